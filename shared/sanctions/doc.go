// Package sanctions holds the source-independent model of sanctions list
// entries and the parsers that produce it from public list publications
// (OFAC SDN CSV set, UN Security Council consolidated XML, OFAC crypto
// address files, EU consolidated financial sanctions XML, UK Sanctions List
// XML) and, as a second kind of entry (KindPEP), politically
// exposed persons (US Congress and executive YAML, Australian federal
// politicians CSVs; PEPStatusAt and CurrentPEPs say who is a PEP when).
//
// A parsed publication is a *List: its entities, the checksums of the files
// it was read from, and a content hash per entity. Diff compares two
// publications of the same source and returns which entity ids were added,
// changed (content hash differs) or removed, so that ongoing monitoring can
// re-screen only what changed.
//
// Typical use:
//
//	ofac, err := sanctions.ParseOFACDir(os.DirFS(".../ofac-2021-07"))
//	un, err := sanctions.ParseUNFile(".../UN_consolidated.xml")
//	delta := sanctions.Diff(oldList, newList)
//
// All input is treated as untrusted: parsers never panic, skip malformed
// rows they can skip, and return wrapped errors otherwise.
//
// The EU (EUParser, ParseEUDir: fsf.xml or the official
// YYYYMMDD-FULL-1_1(xsd).xml) and UK (UKParser, ParseUKDir:
// UK-Sanctions-List.xml and its other published names) lists are streamed
// one entity at a time; a file of another format is ErrFormat.
package sanctions
