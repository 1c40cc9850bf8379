package movements

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/store"
)

// Client lists: a tenant's own address or country lists, which rules read with
// list("name"). A list is one item holding its values as a string set: one GetItem loads
// it whole and a change is one atomic update, which bounds a list to MaxListItems values
// (about 200 KB of addresses; DynamoDB's item limit is 400 KB).
const (
	MaxListItems   = 5000
	MaxLists       = 50
	MaxListChange  = 1000 // values added or removed by one call
	ListKindAddr   = "address"
	ListKindCounty = "country"
)

// ClientList is a list's metadata; Items are returned only by GetList.
type ClientList struct {
	Name        string   `json:"name" dynamodbav:"name"`
	Kind        string   `json:"kind" dynamodbav:"kind"`
	Description string   `json:"description,omitempty" dynamodbav:"description,omitempty"`
	Version     int64    `json:"version" dynamodbav:"listVersion"`
	Count       int      `json:"count" dynamodbav:"-"`
	CreatedAt   string   `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt   string   `json:"updatedAt" dynamodbav:"updatedAt"`
	Items       []string `json:"items,omitempty" dynamodbav:"-"`
}

type listItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	ClientList
	Values []string `dynamodbav:"values,stringset,omitempty"`
}

func (listItem) EntityType() string { return "client_list" }

// ListInput is POST /v1/lists.
type ListInput struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	Description string            `json:"description"`
	Items       []json.RawMessage `json:"items"`
}

// ListChange is POST /v1/lists/{name}/items: values added and removed in one step.
type ListChange struct {
	Add    []json.RawMessage `json:"add"`
	Remove []json.RawMessage `json:"remove"`
}

// jurisdictionTags are the users' jurisdiction tags that are not ISO country codes.
var jurisdictionTags = map[string]bool{"EU": true, "UK": true}

// maxListBytes keeps a list item well under DynamoDB's 400 KB.
const maxListBytes = 300 << 10

func listBytes(vals []string) int {
	n := 0
	for _, v := range vals {
		n += len(v) + 3
	}
	return n
}

var (
	listNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`)
	errListNotFound = failure.Missing("list_not_found", "no such list")
)

// listValue normalises one item of a list: an address (a string, or {"chain","address"})
// to the key rules compare, a country to its upper-case ISO code.
func listValue(kind string, raw json.RawMessage) (string, error) {
	if kind == ListKindCounty {
		var c string
		if err := json.Unmarshal(raw, &c); err != nil {
			return "", invalid("invalid_item", "a country list holds ISO 3166-1 alpha-2 codes, like \"IR\"")
		}
		c = strings.ToUpper(strings.TrimSpace(c))
		if !countryPattern.MatchString(c) || (sanctions.CountryCode(c) != c && !jurisdictionTags[c]) {
			return "", invalid("invalid_item", "%q is not an ISO 3166-1 alpha-2 country code (or one of our jurisdiction tags EU, UK)", c)
		}
		return c, nil
	}
	var chain, addr string
	var obj struct {
		Chain   string `json:"chain"`
		Address string `json:"address"`
	}
	if err := json.Unmarshal(raw, &addr); err != nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&obj); err != nil || obj.Address == "" {
			return "", invalid("invalid_item", "an address list holds addresses: \"0x...\" or {\"chain\": \"TRX\", \"address\": \"T...\"}")
		}
		chain, addr = obj.Chain, obj.Address
	}
	addr = strings.TrimSpace(addr)
	if chain == "" {
		chain = guessChain(addr)
	}
	if chain == "" {
		return "", invalid("invalid_item", "cannot tell the chain of %q: give {\"chain\", \"address\"}", short(addr))
	}
	a, err := NormalizeAddress(chain, addr)
	if err != nil {
		return "", invalid("invalid_item", "%q is not a valid %s address", short(addr), strings.ToUpper(chain))
	}
	return a.Key, nil
}

func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// guessChain recognises the address forms that say their chain by themselves.
func guessChain(a string) string {
	switch {
	case len(a) == 42 && strings.HasPrefix(strings.ToLower(a), "0x"):
		return "ETH"
	case strings.HasPrefix(strings.ToLower(a), "bc1"), len(a) >= 26 && len(a) <= 35 && (a[0] == '1' || a[0] == '3'):
		return "BTC"
	case len(a) == 34 && a[0] == 'T':
		return "TRX"
	case strings.HasPrefix(strings.ToLower(a), "ltc1"):
		return "LTC"
	}
	return ""
}

func values(kind string, raws []json.RawMessage) ([]string, error) {
	out := make([]string, 0, len(raws))
	for i, r := range raws {
		v, err := listValue(kind, r)
		if err != nil {
			f, _ := failure.As(err)
			return nil, invalid(f.Code, "items[%d]: %s", i, f.Message)
		}
		out = append(out, v)
	}
	return slices.Compact(slices.Sorted(slices.Values(out))), nil
}

// CreateList creates a client list with its first items.
func (s *Service) CreateList(ctx context.Context, t store.TenantID, by audit.Actor, in ListInput) (ClientList, error) {
	if !listNamePattern.MatchString(in.Name) {
		return ClientList{}, invalid("invalid_name", "a list name is 1 to 64 lower-case letters, digits, _ and -")
	}
	if in.Kind != ListKindAddr && in.Kind != ListKindCounty {
		return ClientList{}, invalid("invalid_kind", "kind is address or country")
	}
	if utf8.RuneCountInString(in.Description) > 1000 || !cleanText(in.Description, true) {
		return ClientList{}, invalid("invalid_description", "description is at most 1,000 characters of text, without control or direction characters")
	}
	if len(in.Items) > MaxListItems {
		return ClientList{}, invalid("too_many_items", "a list holds at most %d items", MaxListItems)
	}
	vals, err := values(in.Kind, in.Items)
	if err != nil {
		return ClientList{}, err
	}
	if listBytes(vals) > maxListBytes {
		return ClientList{}, failure.New(failure.Unprocessable, "list_too_large", "a list holds at most %d KB of items", maxListBytes>>10)
	}
	metas, err := s.ListLists(ctx, t)
	if err != nil {
		return ClientList{}, err
	}
	if len(metas) >= MaxLists {
		return ClientList{}, failure.Conflicting("too_many_lists", "a tenant has at most %d lists", MaxLists)
	}
	at := store.FormatTime(s.now())
	l := ClientList{Name: in.Name, Kind: in.Kind, Description: in.Description, Version: 1, CreatedAt: at, UpdatedAt: at}
	_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "list.created", Actor: by, Subject: audit.Subject{Type: "list", ID: l.Name},
		Details: map[string]string{"kind": l.Kind, "items": fmt.Sprint(len(vals))}}, func(tx *store.Tx) {
		tx.Create(store.ClientListKey(t, l.Name), listItem{TenantID: string(t), ClientList: l, Values: vals})
		bumpHead(tx, t)
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return ClientList{}, failure.Conflicting("list_exists", "a list named %s exists", in.Name)
	}
	l.Count = len(vals)
	return l, err
}

// ChangeList adds and removes values in one atomic, versioned step.
func (s *Service) ChangeList(ctx context.Context, t store.TenantID, by audit.Actor, name string, in ListChange) (ClientList, error) {
	if len(in.Add)+len(in.Remove) == 0 || len(in.Add)+len(in.Remove) > MaxListChange {
		return ClientList{}, invalid("invalid_change", "add and remove 1 to %d items in all", MaxListChange)
	}
	var out ClientList
	err := retry(ctx, func() error {
		cur, err := s.listItem(ctx, t, name)
		if err != nil {
			return err
		}
		add, err := values(cur.Kind, in.Add)
		if err != nil {
			return err
		}
		rem, err := values(cur.Kind, in.Remove)
		if err != nil {
			return err
		}
		set := map[string]bool{}
		for _, v := range cur.Values {
			set[v] = true
		}
		for _, v := range add {
			set[v] = true
		}
		for _, v := range rem {
			delete(set, v)
		}
		if len(set) > MaxListItems {
			return invalid("too_many_items", "a list holds at most %d items", MaxListItems)
		}
		all := make([]string, 0, len(set))
		for v := range set {
			all = append(all, v)
		}
		if listBytes(all) > maxListBytes {
			return failure.New(failure.Unprocessable, "list_too_large", "a list holds at most %d KB of items", maxListBytes>>10)
		}
		next := cur
		next.Values = slices.Sorted(func(yield func(string) bool) {
			for v := range set {
				if !yield(v) {
					return
				}
			}
		})
		next.ClientList.Version++
		next.UpdatedAt = store.FormatTime(s.now())
		_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "list.changed", Actor: by, Subject: audit.Subject{Type: "list", ID: name},
			Details: map[string]string{"added": fmt.Sprint(len(add)), "removed": fmt.Sprint(len(rem)), "version": fmt.Sprint(next.ClientList.Version)}}, func(tx *store.Tx) {
			tx.Update(store.ClientListKey(t, name), cur.Meta.Version, next)
			bumpHead(tx, t)
		})
		out = next.ClientList
		out.Count = len(next.Values)
		return err
	})
	return out, err
}

// GetList answers a list with its items.
func (s *Service) GetList(ctx context.Context, t store.TenantID, name string) (ClientList, error) {
	it, err := s.listItem(ctx, t, name)
	if err != nil {
		return ClientList{}, err
	}
	l := it.ClientList
	l.Items, l.Count = it.Values, len(it.Values)
	if l.Items == nil {
		l.Items = []string{}
	}
	return l, nil
}

func (s *Service) listItem(ctx context.Context, t store.TenantID, name string) (listItem, error) {
	if !listNamePattern.MatchString(name) {
		return listItem{}, errListNotFound
	}
	var it listItem
	if err := s.Store.Get(ctx, store.ClientListKey(t, name), &it); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return listItem{}, errListNotFound
		}
		return listItem{}, err
	}
	if it.TenantID != string(t) {
		return listItem{}, errListNotFound
	}
	return it, nil
}

// ListLists answers the tenant's lists (metadata and counts).
func (s *Service) ListLists(ctx context.Context, t store.TenantID) ([]ClientList, error) {
	items, err := s.listItems(ctx, t)
	if err != nil {
		return nil, err
	}
	out := make([]ClientList, len(items))
	for i, it := range items {
		out[i] = it.ClientList
		out[i].Count = len(it.Values)
	}
	return out, nil
}

func (s *Service) listMetas(ctx context.Context, t store.TenantID) ([]ClientList, error) {
	return s.ListLists(ctx, t)
}

func (s *Service) listItems(ctx context.Context, t store.TenantID) ([]listItem, error) {
	var out []listItem
	err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.ClientListsPK(t), SKPrefix: "L#", Tenant: t, Limit: 25},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, raw := range items {
				var it listItem
				if err := store.Unmarshal(raw, &it); err != nil {
					return false, err
				}
				if it.TenantID == string(t) {
					out = append(out, it)
				}
			}
			return true, nil
		})
	return out, err
}
