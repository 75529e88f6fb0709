/**
 * The shared libraries an ELF executable asks the dynamic loader for: its DT_NEEDED entries
 * (System V ABI, "Dynamic Section"; ELF-64 Object File Format 1.5 and the gABI's ELF header,
 * program header and dynamic tags). V-Guard's native-library check allows, by name, exactly what
 * the running node binary declares, so a Node build that links one more system library (Node 26
 * links libatomic) is read from the binary, not from a list frozen for one version.
 *
 * Reads only the header, the program headers, the dynamic segment and the strings it names, through
 * a ranged reader (the node binary is ~100 MB). Anything malformed gives `undefined`, never an
 * exception: the caller then falls back to its fixed list.
 */

/** Reads `length` bytes at `offset` of the file; undefined when the file cannot be read. */
export type RangeReader = (offset: number, length: number) => Uint8Array | undefined;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
/** Upper bounds that keep a hostile file from making us read a lot. */
const MAX_PHDRS = 256;
const MAX_DYN_BYTES = 64 * 1024;
const MAX_NEEDED = 128;
const MAX_NAME = 255;

type Layout = { is64: boolean; little: boolean };

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function word(l: Layout, v: DataView, at: number): bigint {
  return l.is64 ? v.getBigUint64(at, l.little) : BigInt(v.getUint32(at, l.little));
}

/** DT_NEEDED library names of the ELF file behind `read`, in file order; undefined if not parseable. */
export function elfNeededLibraries(read: RangeReader): string[] | undefined {
  try {
    const ident = read(0, 64);
    if (!ident || ident.length < 52) return undefined;
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) return undefined;
    const cls = ident[4];
    const data = ident[5];
    if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
    const l: Layout = { is64: cls === 2, little: data === 1 };
    const h = view(ident);
    if (l.is64 && ident.length < 64) return undefined;
    const phoff = Number(l.is64 ? h.getBigUint64(32, l.little) : BigInt(h.getUint32(28, l.little)));
    const phentsize = h.getUint16(l.is64 ? 54 : 42, l.little);
    const phnum = h.getUint16(l.is64 ? 56 : 44, l.little);
    if (phnum === 0 || phnum > MAX_PHDRS || phentsize < (l.is64 ? 56 : 32)) return undefined;
    const ph = read(phoff, phentsize * phnum);
    if (!ph || ph.length < phentsize * phnum) return undefined;
    const pv = view(ph);
    const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
    let dyn: { offset: number; size: number } | undefined;
    for (let i = 0; i < phnum; i++) {
      const b = i * phentsize;
      const type = pv.getUint32(b, l.little);
      const offset = l.is64 ? pv.getBigUint64(b + 8, l.little) : BigInt(pv.getUint32(b + 4, l.little));
      const vaddr = l.is64 ? pv.getBigUint64(b + 16, l.little) : BigInt(pv.getUint32(b + 8, l.little));
      const filesz = l.is64 ? pv.getBigUint64(b + 32, l.little) : BigInt(pv.getUint32(b + 16, l.little));
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
      if (type === PT_DYNAMIC)
        dyn = { offset: Number(offset), size: Math.min(Number(filesz), MAX_DYN_BYTES) };
    }
    if (!dyn) return []; // statically linked: asks for nothing
    const dynBytes = read(dyn.offset, dyn.size);
    if (!dynBytes) return undefined;
    const dv = view(dynBytes);
    const entry = l.is64 ? 16 : 8;
    const needed: bigint[] = [];
    let strtab: bigint | undefined;
    let strsz: bigint | undefined;
    for (let at = 0; at + entry <= dynBytes.length; at += entry) {
      const tag = word(l, dv, at);
      const val = word(l, dv, at + entry / 2);
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED && needed.length < MAX_NEEDED) needed.push(val);
      else if (tag === DT_STRTAB) strtab = val;
      else if (tag === DT_STRSZ) strsz = val;
    }
    if (needed.length === 0) return [];
    if (strtab === undefined) return undefined;
    // DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD that holds it.
    const seg = loads.find((s) => strtab! >= s.vaddr && strtab! < s.vaddr + s.filesz);
    if (!seg) return undefined;
    const strOffset = Number(strtab - seg.vaddr + seg.offset);
    const names: string[] = [];
    for (const off of needed) {
      if (strsz !== undefined && off >= strsz) return undefined;
      const raw = read(strOffset + Number(off), MAX_NAME + 1);
      if (!raw) return undefined;
      const end = raw.indexOf(0);
      if (end <= 0) return undefined;
      const name = new TextDecoder('latin1').decode(raw.subarray(0, end));
      if (!/^[\w.+-]+$/.test(name)) return undefined;
      names.push(name);
    }
    return names;
  } catch {
    return undefined;
  }
}
