package lists

import (
	"github.com/chainfi/chainguard/shared/store"
)

// Catalog is the "source" under which combined list versions live in the table: one
// version covers every configured source, because the screening index does.
const Catalog = "INDEX"

// Delta change kinds, as in store.ListDeltaKey.
const (
	ChangeAdded   = "ADD"
	ChangeChanged = "CHG"
	ChangeRemoved = "DEL"
)

// Entity types of the items this package writes.
const (
	EntityHead    = "list_head"
	EntityVersion = "list_version"
	EntityDelta   = "list_delta"
)

// Head points at the current version. It moves with a condition on its store version,
// so two refreshes cannot both publish on top of the same version.
type Head struct {
	store.Meta
	ListVersion string `dynamodbav:"listVersion"`
	Seq         int64  `dynamodbav:"seq"`
	Checksum    string `dynamodbav:"checksum"`
	IndexKey    string `dynamodbav:"indexKey"`
	EntitiesKey string `dynamodbav:"entitiesKey"`
	PublishedAt string `dynamodbav:"publishedAt"`
	// Announced is set once the lists.version.published event went out.
	Announced bool `dynamodbav:"announced"`
	// Sources say when each source was last fetched and parsed well (set by every refresh).
	Sources []SourceStatus `dynamodbav:"sources,omitempty"`
}

// SourceStatus is how a source's refreshes went.
type SourceStatus struct {
	Source      string `dynamodbav:"source" json:"source"`
	Kind        string `dynamodbav:"kind" json:"kind"`             // sanctions or pep
	LastGoodAt  string `dynamodbav:"lastGoodAt" json:"lastGoodAt"` // last fetched and parsed well
	LastTriedAt string `dynamodbav:"lastTriedAt" json:"lastTriedAt"`
	Error       string `dynamodbav:"error,omitempty" json:"error,omitempty"` // why the last try failed
}

// lastGoodAt is when source was last good according to HEAD, or fallback (the current
// version's publication) for a HEAD written before statuses were kept.
func (h Head) lastGoodAt(source, fallback string) string {
	for _, s := range h.Sources {
		if s.Source == source && s.LastGoodAt != "" {
			return s.LastGoodAt
		}
	}
	return fallback
}

// EntityType implements store.Entity.
func (Head) EntityType() string { return EntityHead }

// SourceInfo describes one source inside a version.
type SourceInfo struct {
	Source      string            `dynamodbav:"source" json:"source"`
	Kind        string            `dynamodbav:"kind,omitempty" json:"kind,omitempty"` // sanctions or pep
	ListVersion string            `dynamodbav:"listVersion" json:"listVersion"`       // sanctions.List.Version
	Checksums   map[string]string `dynamodbav:"checksums" json:"checksums"`           // file -> sha256
	Entities    int               `dynamodbav:"entities" json:"entities"`
	Addresses   int               `dynamodbav:"addresses" json:"addresses"`
	Skipped     int               `dynamodbav:"skipped" json:"skipped"`
	Added       int               `dynamodbav:"added" json:"added"`
	Changed     int               `dynamodbav:"changed" json:"changed"`
	Removed     int               `dynamodbav:"removed" json:"removed"`
}

// Version is the metadata of one published version.
type Version struct {
	store.Meta
	ID          string `dynamodbav:"id" json:"version"`
	Seq         int64  `dynamodbav:"seq" json:"seq"`
	Previous    string `dynamodbav:"previous,omitempty" json:"previous,omitempty"`
	Checksum    string `dynamodbav:"checksum" json:"checksum"` // over every file of every source
	PublishedAt string `dynamodbav:"publishedAt" json:"publishedAt"`
	IndexKey    string `dynamodbav:"indexKey" json:"indexKey"`
	IndexBytes  int64  `dynamodbav:"indexBytes" json:"indexBytes"`
	EntitiesKey string `dynamodbav:"entitiesKey" json:"entitiesKey"`
	// DeltaKey holds the added and changed entries (empty for an initial version, or when
	// only removals happened).
	DeltaKey string       `dynamodbav:"deltaKey,omitempty" json:"deltaKey,omitempty"`
	Sources  []SourceInfo `dynamodbav:"sources" json:"sources"`
	// Initial is set when there was no previous state to compare with: the delta is
	// "everything" and no delta items are written; monitoring re-screens in full.
	Initial bool `dynamodbav:"initial" json:"initial"`
	// DeltaItems is how many delta items were written for this version.
	DeltaItems int `dynamodbav:"deltaItems" json:"deltaItems"`
	// FilesKept is set when every source file of the version is kept under raw/ (versions
	// published before files were kept have none).
	FilesKept bool `dynamodbav:"filesKept,omitempty" json:"-"`
}

// EntityType implements store.Entity.
func (Version) EntityType() string { return EntityVersion }

// DeltaEntry is one added, changed or removed entity (or crypto address) of a version.
type DeltaEntry struct {
	store.Meta
	Source      string `dynamodbav:"source"`
	ListVersion string `dynamodbav:"listVersion"`
	Change      string `dynamodbav:"change"`
	EntityID    string `dynamodbav:"entityId"`
}

// EntityType implements store.Entity.
func (DeltaEntry) EntityType() string { return EntityDelta }
