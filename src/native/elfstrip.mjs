#!/usr/bin/env node
// Removes non-loaded sections that `zig cc -s` leaves in a static binary (.comment with one
// compiler string per musl object, MIPS .pdr procedure descriptors): ~110 KB on mips. Works on
// ELF32/ELF64, either byte order, without binutils for the target. Program headers and loaded
// bytes are untouched; the kept non-loaded sections (.shstrtab, .ARM.attributes, ...) are
// copied after the loaded part and a new section header table is written.
//   node src/native/elfstrip.mjs FILE...
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

const DROP = new Set(['.comment', '.pdr', '.symtab', '.strtab']);
const SHT_NOBITS = 8;
const SHF_ALLOC = 2;
const SHF_INFO_LINK = 0x40;

function strip(path) {
  const d = readFileSync(path);
  if (d.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path}: not an ELF file`);
  const is64 = d[4] === 2;
  const le = d[5] === 1;
  const u16 = (o) => (le ? d.readUInt16LE(o) : d.readUInt16BE(o));
  const u32 = (o) => (le ? d.readUInt32LE(o) : d.readUInt32BE(o));
  const uw = (o) => (is64 ? Number(le ? d.readBigUInt64LE(o) : d.readBigUInt64BE(o)) : u32(o));
  const phoff = uw(is64 ? 0x20 : 0x1c);
  const shoff = uw(is64 ? 0x28 : 0x20);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shnum === 0 || shstrndx === 0) return 0;

  let loadEnd = phoff + phentsize * phnum;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const off = uw(p + (is64 ? 8 : 4));
    const filesz = uw(p + (is64 ? 32 : 16));
    loadEnd = Math.max(loadEnd, off + filesz);
  }
  const strOff = uw(shoff + shstrndx * shentsize + (is64 ? 24 : 16));
  const name = (i) => {
    const n = strOff + u32(shoff + i * shentsize);
    return d.toString('latin1', n, d.indexOf(0, n));
  };
  const secs = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    secs.push({
      i, name: name(i), hdr: Buffer.from(d.subarray(h, h + shentsize)),
      type: u32(h + 4), flags: uw(h + 8),
      off: uw(h + (is64 ? 24 : 16)), size: uw(h + (is64 ? 32 : 20)),
      align: uw(h + (is64 ? 48 : 32)),
    });
  }
  const kept = secs.filter((s) => s.i === 0 || !DROP.has(s.name));
  if (kept.length === secs.length) return 0;
  for (const s of kept) {
    if (s.type !== SHT_NOBITS && s.size > 0 && !(s.flags & SHF_ALLOC) && s.off < loadEnd)
      throw new Error(`${path}: non-loaded section ${s.name} inside the loaded area`);
  }
  const newIndex = new Map(kept.map((s, j) => [s.i, j]));

  const parts = [d.subarray(0, loadEnd)];
  let pos = loadEnd;
  const pad = (a) => {
    const n = (a - (pos % a)) % a;
    if (n) { parts.push(Buffer.alloc(n)); pos += n; }
  };
  const w32 = (b, o, v) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const ww = (b, o, v) => (is64 ? (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o)) : w32(b, o, v));
  for (const s of kept) {
    if (s.i === 0 || s.type === SHT_NOBITS || (s.flags & SHF_ALLOC)) continue;
    pad(Math.max(1, s.align));
    parts.push(d.subarray(s.off, s.off + s.size));
    ww(s.hdr, is64 ? 24 : 16, pos);
    pos += s.size;
  }
  for (const s of kept) {
    const link = u32At(s.hdr, is64 ? 40 : 24);
    w32(s.hdr, is64 ? 40 : 24, newIndex.get(link) ?? 0);
    if (s.flags & SHF_INFO_LINK) w32(s.hdr, is64 ? 44 : 28, newIndex.get(u32At(s.hdr, is64 ? 44 : 28)) ?? 0);
  }
  function u32At(b, o) { return le ? b.readUInt32LE(o) : b.readUInt32BE(o); }
  pad(is64 ? 8 : 4);
  const newShoff = pos;
  for (const s of kept) parts.push(s.hdr);
  const out = Buffer.concat(parts);
  ww(out, is64 ? 0x28 : 0x20, newShoff);
  const w16 = (o, v) => (le ? out.writeUInt16LE(v, o) : out.writeUInt16BE(v, o));
  w16(is64 ? 0x3c : 0x30, kept.length);
  w16(is64 ? 0x3e : 0x32, newIndex.get(shstrndx));
  writeFileSync(path + '.strip', out, { mode: 0o755 });
  renameSync(path + '.strip', path);
  return d.length - out.length;
}

for (const f of process.argv.slice(2)) strip(f);
