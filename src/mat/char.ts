// Decoding Level 5 char arrays into UTF-16 code units: miUTF8 (ASCII fast
// path), miUINT16/miUTF16, miUTF32 (astral code points become surrogate
// pairs) and 8-bit storage; an empty element with non-empty dims reads as
// spaces, as MATLAB writes it.

import { MI } from "./format.js";
import { checkedNumel, type MatrixHead } from "./matrix-head.js";
import { storageView } from "./numeric.js";
import { type Ctx, NEED_MORE, readTag } from "./tags.js";
import type { MatChar } from "./value.js";

const utf8Decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function decodeChar(ctx: Ctx, head: MatrixHead): MatChar {
  const n = checkedNumel(ctx, head.body, head.dims);
  const tag = readTag(ctx, head.body, head.end, "char data");
  ctx.need(tag.data, tag.count, head.end, "char data");
  let codes: Uint16Array;
  if (ctx.partial && tag.data + tag.count > ctx.buf.length) throw NEED_MORE;
  // at most 4 bytes of output a stored byte (UTF-16 units, or the UTF-32 path's plain array)
  ctx.charge(tag.pos, tag.count * 4, "char data");
  const bytes =
    tag.count <= 64
      ? Uint8Array.prototype.slice.call(ctx.buf, tag.data, tag.data + tag.count)
      : ctx.buf.subarray(tag.data, tag.data + tag.count);
  switch (tag.type) {
    case MI.UTF8: {
      let ascii = true;
      for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) ascii = false;
      if (ascii) {
        codes = new Uint16Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) codes[i] = bytes[i] as number;
        break;
      }
      const s = utf8Decoder.decode(bytes);
      codes = new Uint16Array(s.length);
      for (let i = 0; i < s.length; i++) codes[i] = s.charCodeAt(i);
      break;
    }
    case MI.UINT16:
    case MI.UTF16:
    case MI.INT16: {
      if (tag.count % 2 !== 0) ctx.fail(tag.pos, `char data: ${tag.count} bytes is not a multiple of 2`);
      const src = storageView(ctx, MI.UINT16, tag.data, tag.count) as Uint16Array;
      codes = src.buffer === ctx.buf.buffer ? new Uint16Array(src) : src;
      break;
    }
    case MI.UTF32: {
      if (tag.count % 4 !== 0) ctx.fail(tag.pos, `char data: ${tag.count} bytes is not a multiple of 4`);
      const src = storageView(ctx, MI.UINT32, tag.data, tag.count) as Uint32Array;
      const units: number[] = [];
      for (let i = 0; i < src.length; i++) {
        const cp = src[i] as number;
        if (cp > 0x10ffff) units.push(0xfffd);
        else if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
        else units.push(cp);
      }
      codes = Uint16Array.from(units);
      break;
    }
    case MI.UINT8:
    case MI.INT8:
      codes = new Uint16Array(bytes);
      break;
    default:
      return ctx.fail(tag.pos, `char data: data type ${tag.type} is not a character type`);
  }
  if (codes.length !== n) {
    if (codes.length === 0) {
      if (n > tag.next - head.body + (1 << 20))
        ctx.fail(tag.pos, `char data: empty, dims say ${n} characters`);
      ctx.charge(tag.pos, n * 2, "char data");
      codes = new Uint16Array(n).fill(0x20);
    } else {
      ctx.fail(tag.pos, `char data: holds ${codes.length} characters, dims say ${n}`);
    }
  }
  return { kind: "char", dims: head.dims, codes };
}
