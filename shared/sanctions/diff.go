package sanctions

import "sort"

// Delta is what changed between two publications of the same source.
// Ids are sorted. Monitoring re-screens customers against Added and Changed
// entities and closes alerts on Removed ones.
type Delta struct {
	Source      Source   `json:"source"`
	FromVersion string   `json:"from_version"`
	ToVersion   string   `json:"to_version"`
	Added       []string `json:"added"`
	Changed     []string `json:"changed"`
	Removed     []string `json:"removed"`
	Unchanged   int      `json:"unchanged"`
}

// Empty reports whether nothing changed.
func (d Delta) Empty() bool {
	return len(d.Added) == 0 && len(d.Changed) == 0 && len(d.Removed) == 0
}

// Diff compares two publications by entity id and content hash. A nil old
// list means everything in new is added.
func Diff(old, new *List) Delta {
	d := Delta{Added: []string{}, Changed: []string{}, Removed: []string{}}
	if new != nil {
		d.Source, d.ToVersion = new.Source, new.Version()
	}
	oldHash := map[string]string{}
	if old != nil {
		d.FromVersion = old.Version()
		for i := range old.Entities {
			oldHash[old.Entities[i].ID] = old.Entities[i].ContentHash()
		}
	}
	seen := map[string]bool{}
	if new != nil {
		for i := range new.Entities {
			e := &new.Entities[i]
			seen[e.ID] = true
			h, ok := oldHash[e.ID]
			switch {
			case !ok:
				d.Added = append(d.Added, e.ID)
			case h != e.ContentHash():
				d.Changed = append(d.Changed, e.ID)
			default:
				d.Unchanged++
			}
		}
	}
	for id := range oldHash {
		if !seen[id] {
			d.Removed = append(d.Removed, id)
		}
	}
	sort.Strings(d.Added)
	sort.Strings(d.Changed)
	sort.Strings(d.Removed)
	return d
}
