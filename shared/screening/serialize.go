package screening

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Serialized index format, version 1. All integers little endian.
//
//	magic "CGSX" | u32 format version | sections in fixed order
//
// Each column is a length-prefixed array: u32 arrays as count + raw
// values, string arrays as count + uvarint lengths + one byte blob. The
// blob becomes a single Go string and entries are substrings of it, so a
// load does one allocation per column, not per string.
const (
	formatMagic   = "CGSX"
	formatVersion = 2
	maxColumnLen  = 1 << 28
)

type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

func (c *countingWriter) u32(v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	c.write(b[:])
}

func (c *countingWriter) u32s(vs []uint32) {
	c.u32(uint32(len(vs)))
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	c.write(b)
}

func (c *countingWriter) bytes(vs []uint8) {
	c.u32(uint32(len(vs)))
	c.write(vs)
}

func (c *countingWriter) u64s(vs []uint64) {
	c.u32(uint32(len(vs)))
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	c.write(b)
}

func (c *countingWriter) strs(vs []string) {
	c.u32(uint32(len(vs)))
	var lens []byte
	total := 0
	for _, s := range vs {
		lens = binary.AppendUvarint(lens, uint64(len(s)))
		total += len(s)
	}
	c.u32(uint32(len(lens)))
	c.write(lens)
	c.u32(uint32(total))
	for _, s := range vs {
		c.write([]byte(s))
	}
}

// WriteTo writes the index in the compact binary format read by Load.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	c := &countingWriter{w: bufio.NewWriterSize(w, 1<<16)}
	c.write([]byte(formatMagic))
	c.u32(formatVersion)
	// Lists.
	var src, ver []string
	var counts []uint32
	for _, l := range ix.lists {
		src = append(src, string(l.Source))
		ver = append(ver, l.Version)
		counts = append(counts, uint32(l.Entities), uint32(l.Addresses))
	}
	c.strs(src)
	c.strs(ver)
	c.u32s(counts)
	// Entities.
	c.strs(ix.entID)
	c.strs(ix.entPrimary)
	c.bytes(ix.entSource)
	c.bytes(ix.entType)
	c.u32s(ix.entProgOff)
	c.strs(ix.entProgs)
	c.u32s(ix.entDOBOff)
	c.u64s(ix.entDOBs)
	c.u32s(ix.entCtyOff)
	c.strs(ix.entCtys)
	c.u32s(ix.entNameOff)
	c.strs(ix.sourceNames)
	// Names.
	c.u32s(ix.nameEnt)
	c.bytes(ix.nameFlags)
	c.strs(ix.nameDisplay)
	c.u32s(ix.nameTokOff)
	c.u32s(ix.nameToks)
	// Vocabulary.
	c.strs(ix.vocab)
	w32 := make([]uint32, len(ix.vocabW))
	for i, f := range ix.vocabW {
		w32[i] = math.Float32bits(f)
	}
	c.u32s(w32)
	c.strs(ix.vocabPhon)
	c.strs(ix.vocabSkel)
	c.u32s(ix.phonOrder)
	c.u32s(ix.skelOrder)
	c.u32s(ix.postOff)
	c.u32s(ix.postNames)
	c.u32s(ix.triKeys)
	c.u32s(ix.triOff)
	c.u32s(ix.triVocab)
	c.u64s(ix.delKeys)
	c.u32s(ix.delVocab)
	// Addresses.
	c.strs(ix.addrKeys)
	c.strs(ix.addrAsset)
	c.strs(ix.addrOrig)
	c.bytes(ix.addrSource)
	ents := make([]uint32, len(ix.addrEntity))
	for i, e := range ix.addrEntity {
		ents[i] = uint32(e)
	}
	c.u32s(ents)
	// Entry kinds and PEP positions (format 2).
	c.bytes(ix.entKind)
	c.u32s(ix.entPosOff)
	c.strs(ix.entPos)
	if c.err == nil {
		c.err = c.w.Flush()
	}
	if c.err != nil {
		return c.n, fmt.Errorf("write index: %w", c.err)
	}
	return c.n, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated or corrupt %s", ErrBadIndex, what)
	}
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.fail(what)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u32(what string) uint32 {
	b := r.take(4, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) count(what string, size int) int {
	n := r.u32(what)
	if n > maxColumnLen || int(n)*size > len(r.b) {
		r.fail(what)
		return 0
	}
	return int(n)
}

func (r *reader) u32s(what string) []uint32 {
	n := r.count(what, 4)
	b := r.take(4*n, what)
	if b == nil {
		return nil
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

func (r *reader) u64s(what string) []uint64 {
	n := r.count(what, 8)
	b := r.take(8*n, what)
	if b == nil {
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return out
}

func (r *reader) bytes(what string) []uint8 {
	n := r.count(what, 1)
	b := r.take(n, what)
	if b == nil {
		return nil
	}
	return append([]uint8(nil), b...)
}

func (r *reader) strs(what string) []string {
	n := r.count(what, 1)
	lens := r.take(r.count(what, 1), what)
	blob := string(r.take(r.count(what, 1), what))
	if r.err != nil {
		return nil
	}
	out := make([]string, n)
	off := 0
	for i := range out {
		l, k := binary.Uvarint(lens)
		if k <= 0 || l > uint64(len(blob)-off) {
			r.fail(what)
			return nil
		}
		lens = lens[k:]
		out[i] = blob[off : off+int(l)]
		off += int(l)
	}
	return out
}

// Load reads an index written by WriteTo. Input is validated: a corrupt or
// truncated file returns an error wrapping ErrBadIndex, never a panic.
func Load(rd io.Reader) (*Index, error) {
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	return LoadBytes(b)
}

// LoadBytes is Load from a byte slice (the slice is not retained).
func LoadBytes(b []byte) (*Index, error) {
	r := &reader{b: b}
	if string(r.take(4, "magic")) != formatMagic {
		return nil, fmt.Errorf("%w: not a screening index", ErrBadIndex)
	}
	if v := r.u32("version"); v != formatVersion {
		return nil, fmt.Errorf("%w: format version %d, want %d", ErrBadIndex, v, formatVersion)
	}
	ix := &Index{}
	src, ver, counts := r.strs("lists"), r.strs("lists"), r.u32s("lists")
	if r.err == nil && (len(src) != len(ver) || len(counts) != 2*len(src)) {
		r.fail("lists")
	}
	if r.err != nil {
		return nil, r.err
	}
	for i := range src {
		ix.lists = append(ix.lists, ListInfo{Source: sanctionsSource(src[i]), Version: ver[i], Entities: int(counts[2*i]), Addresses: int(counts[2*i+1])})
	}
	ix.entID, ix.entPrimary = r.strs("entities"), r.strs("entities")
	ix.entSource, ix.entType = r.bytes("entities"), r.bytes("entities")
	ix.entProgOff, ix.entProgs = r.u32s("programs"), r.strs("programs")
	ix.entDOBOff, ix.entDOBs = r.u32s("dates"), r.u64s("dates")
	ix.entCtyOff, ix.entCtys = r.u32s("countries"), r.strs("countries")
	ix.entNameOff = r.u32s("entities")
	ix.sourceNames = r.strs("sources")
	ix.nameEnt, ix.nameFlags, ix.nameDisplay = r.u32s("names"), r.bytes("names"), r.strs("names")
	ix.nameTokOff, ix.nameToks = r.u32s("names"), r.u32s("names")
	ix.vocab = r.strs("vocabulary")
	w32 := r.u32s("vocabulary")
	ix.vocabPhon, ix.vocabSkel = r.strs("vocabulary"), r.strs("vocabulary")
	ix.phonOrder, ix.skelOrder = r.u32s("vocabulary"), r.u32s("vocabulary")
	ix.postOff, ix.postNames = r.u32s("postings"), r.u32s("postings")
	ix.triKeys, ix.triOff, ix.triVocab = r.u32s("trigrams"), r.u32s("trigrams"), r.u32s("trigrams")
	ix.delKeys, ix.delVocab = r.u64s("deletes"), r.u32s("deletes")
	ix.addrKeys, ix.addrAsset, ix.addrOrig = r.strs("addresses"), r.strs("addresses"), r.strs("addresses")
	ix.addrSource = r.bytes("addresses")
	ents := r.u32s("addresses")
	ix.entKind, ix.entPosOff, ix.entPos = r.bytes("kinds"), r.u32s("positions"), r.strs("positions")
	if r.err != nil {
		return nil, r.err
	}
	ix.vocabW = make([]float32, len(w32))
	for i, u := range w32 {
		ix.vocabW[i] = math.Float32frombits(u)
	}
	ix.addrEntity = make([]int32, len(ents))
	for i, e := range ents {
		ix.addrEntity[i] = int32(e)
	}
	if err := ix.validate(); err != nil {
		return nil, err
	}
	ix.derive()
	return ix, nil
}
