// Package monitoring is the ongoing AML monitoring a client may switch on for its users:
// a per-tenant configuration with its own EventBridge Scheduler schedule, runs planned in
// batches onto a queue, workers that re-screen users against the current list version
// (or only a new version's added and changed entries), and alerts raised for the client.
//
// Client monitoring never changes a user's platform status or permissions: its findings
// are the client's business and reach it as alerts; nothing here writes the user.
package monitoring

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// Cadences a configuration takes besides a cron expression.
const (
	CadenceDaily   = "daily"
	CadenceWeekly  = "weekly"
	CadenceMonthly = "monthly"
)

// Config is a tenant's monitoring configuration.
type Config struct {
	Enabled bool `json:"enabled"`
	// Cadence is daily, weekly, monthly or an EventBridge cron expression
	// ("cron(0 3 ? * MON-FRI *)") that fires at most once an hour.
	Cadence string `json:"cadence"`
	Checks  Checks `json:"checks"`
	// Thresholds grade the re-screens (default: the screening engine's).
	Thresholds screening.Thresholds `json:"thresholds"`
	// RescreenOnListUpdate re-screens the tenant's users against a new list version's
	// added and changed entries as soon as it is published.
	RescreenOnListUpdate bool `json:"rescreenOnListUpdate"`
	// Set by the service.
	ScheduleExpression string `json:"scheduleExpression,omitempty"`
	UpdatedAt          string `json:"updatedAt,omitempty"`
	Version            int64  `json:"version"`
}

// Checks says what a run does for each user.
type Checks struct {
	// Lists are the kinds of list screened: "sanctions", "pep" (at least one).
	Lists []string `json:"lists"`
	// VendorAML asks the identity vendor to re-run its own AML check (Sumsub's
	// applicant recheck) for users verified with it.
	VendorAML bool `json:"vendorAml"`
}

// DefaultConfig is what a tenant has before it configures anything: off.
func DefaultConfig() Config {
	return Config{Cadence: CadenceWeekly, Checks: Checks{Lists: []string{lists.ListSanctions, lists.ListPEP}},
		Thresholds: screening.DefaultOptions().Thresholds, RescreenOnListUpdate: true}
}

var cronRe = regexp.MustCompile(`^cron\(([^ ()]+) ([^ ()]+) ([^ ()]+) ([^ ()]+) ([^ ()]+) ([^ ()]+)\)$`)

// expression turns the cadence into a Scheduler expression. Fixed cadences run at 02:00
// UTC, when the lists of the night are published.
func expression(cadence string) (string, error) {
	switch cadence {
	case CadenceDaily:
		return "cron(0 2 * * ? *)", nil
	case CadenceWeekly:
		return "cron(0 2 ? * MON *)", nil
	case CadenceMonthly:
		return "cron(0 2 1 * ? *)", nil
	}
	m := cronRe.FindStringSubmatch(cadence)
	if m == nil {
		return "", failure.InvalidInput("invalid_cadence", "cadence must be daily, weekly, monthly or cron(minutes hours day-of-month month day-of-week year)")
	}
	// At most once an hour: one minute, hours without steps.
	if n, err := strconv.Atoi(m[1]); err != nil || n < 0 || n > 59 || m[1] != strconv.Itoa(n) {
		return "", failure.InvalidInput("invalid_cadence", "a cron cadence names one minute (0-59): runs are at most hourly")
	}
	fields := []struct {
		name, v  string
		lo, hi   int
		names    map[string]int
		question bool
	}{
		{"hours", m[2], 0, 23, nil, false},
		{"day-of-month", m[3], 1, 31, nil, true},
		{"month", m[4], 1, 12, monthNames, false},
		{"day-of-week", m[5], 1, 7, dayNames, true},
		{"year", m[6], time.Now().UTC().Year(), 2199, nil, false},
	}
	for _, f := range fields {
		if f.v == "?" && f.question {
			continue
		}
		if !cronField(f.v, f.lo, f.hi, f.names, f.name != "hours") {
			return "", failure.InvalidInput("invalid_cadence", "the %s field of the cron cadence %q is not valid (values %d-%d)", f.name, f.v, f.lo, f.hi)
		}
	}
	if (m[3] == "?") == (m[5] == "?") {
		return "", failure.InvalidInput("invalid_cadence", "a cron cadence sets exactly one of day-of-month and day-of-week to ?")
	}
	return cadence, nil
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

// cronField checks one field of an EventBridge cron expression: *, or a comma list of
// values and ranges (a-b) within lo..hi (names where the field has them), with a step
// (/n) when steps is set. A year field in the past refuses every value before lo.
func cronField(v string, lo, hi int, names map[string]int, steps bool) bool {
	if v == "*" {
		return true
	}
	value := func(s string) (int, bool) {
		if n, ok := names[strings.ToUpper(s)]; ok {
			return n, true
		}
		n, err := strconv.Atoi(s)
		if err != nil || s != strconv.Itoa(n) || n < lo || n > hi {
			return 0, false
		}
		return n, true
	}
	for _, item := range strings.Split(v, ",") {
		base, step, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if !steps || err != nil || n < 1 || n > hi || step != strconv.Itoa(n) {
				return false
			}
			if base == "*" {
				continue
			}
		}
		from, to, isRange := strings.Cut(base, "-")
		a, ok := value(from)
		if !ok {
			return false
		}
		if isRange {
			b, ok := value(to)
			if !ok || b < a {
				return false
			}
		}
	}
	return true
}

func (c Config) validate() error {
	if _, err := expression(c.Cadence); err != nil {
		return err
	}
	if len(c.Checks.Lists) == 0 && !c.Checks.VendorAML {
		return failure.InvalidInput("invalid_checks", "checks must screen at least one kind of list or ask the vendor")
	}
	seen := map[string]bool{}
	for _, l := range c.Checks.Lists {
		if l != lists.ListSanctions && l != lists.ListPEP || seen[l] {
			return failure.InvalidInput("invalid_checks", "checks.lists takes \"sanctions\" and \"pep\", each once")
		}
		seen[l] = true
	}
	t := c.Thresholds
	if t.Review < 0.5 || t.Match > 1 || t.Review > t.Match {
		return failure.InvalidInput("invalid_thresholds", "thresholds need 0.5 <= review <= match <= 1")
	}
	return nil
}

type configItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Config   Config `dynamodbav:"config"`
}

func (configItem) EntityType() string { return "monitoring_config" }

// Indexes puts an enabled tenant on the list a new list version re-screens.
func (c configItem) Indexes() store.Indexes {
	if !c.Config.Enabled {
		return store.Indexes{}
	}
	return store.Indexes{GSI1: store.Key{PK: store.MonitoringEnabledPK, SK: c.TenantID}}
}

// ActionConfigured is the audit action of a configuration change.
const ActionConfigured = "monitoring.configured"

// GetConfig returns the tenant's configuration (DefaultConfig, off, when never set).
func (s *Service) GetConfig(ctx context.Context, t store.TenantID) (Config, error) {
	var it configItem
	err := s.Store.Get(ctx, store.MonitoringConfigKey(t), &it)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("monitoring: read config: %w", err)
	}
	if it.TenantID != string(t) {
		return DefaultConfig(), nil
	}
	it.Config.Version = it.Version
	return it.Config, nil
}

// PutConfig validates and stores the tenant's configuration with its audit record, then
// makes the tenant's schedule match it (created, changed or deleted). expectedVersion,
// when not zero, must be the stored version (an If-Match). A schedule that cannot be
// synchronised answers 503 schedule_sync_failed with the configuration stored: the same
// PUT again synchronises it.
func (s *Service) PutConfig(ctx context.Context, by audit.Actor, t store.TenantID, c Config, expectedVersion int64) (Config, error) {
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	c.ScheduleExpression, _ = expression(c.Cadence)
	if !c.Enabled {
		c.ScheduleExpression = ""
	}
	c.Checks.Lists = slices.Clip(c.Checks.Lists)
	c.UpdatedAt = store.FormatTime(s.now())
	cur, err := s.GetConfig(ctx, t)
	if err != nil {
		return Config{}, err
	}
	if expectedVersion != 0 && expectedVersion != cur.Version {
		return Config{}, failure.Conflicting("version_mismatch", "the configuration changed since version %d; read it again", expectedVersion)
	}
	it := configItem{TenantID: string(t), Config: c}
	it.Config.Version = 0
	_, err = s.Audit.Commit(ctx, t, audit.Record{
		Action: ActionConfigured, Actor: by, Subject: audit.Subject{Type: "monitoring", ID: string(t)},
		Details: map[string]string{"enabled": strconv.FormatBool(c.Enabled), "cadence": c.Cadence,
			"lists": strings.Join(c.Checks.Lists, ","), "vendorAml": strconv.FormatBool(c.Checks.VendorAML),
			"rescreenOnListUpdate": strconv.FormatBool(c.RescreenOnListUpdate),
			"review":               strconv.FormatFloat(c.Thresholds.Review, 'f', 3, 64), "match": strconv.FormatFloat(c.Thresholds.Match, 'f', 3, 64)},
	}, func(tx *store.Tx) {
		if cur.Version == 0 {
			tx.Create(store.MonitoringConfigKey(t), it)
		} else {
			tx.Update(store.MonitoringConfigKey(t), cur.Version, it)
		}
	})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrAlreadyExists) {
		return Config{}, failure.Conflicting("version_mismatch", "the configuration changed meanwhile; read it again")
	}
	if err != nil {
		return Config{}, fmt.Errorf("monitoring: store config: %w", err)
	}
	c.Version = cur.Version + 1
	if err := s.settleSchedule(ctx, t, c); err != nil {
		s.log().Warn("monitoring schedule not synchronised", "tenant", t, "error", err)
		return Config{}, errScheduleSync.Wrap(err)
	}
	return c, nil
}

// settleSchedule makes the schedule match the stored configuration, whichever request
// stored it last: concurrent PUTs may synchronise in any order, so after its own sync
// each reads the configuration again and synchronises the newer one it finds. The last
// request to finish leaves the schedule of the newest configuration.
func (s *Service) settleSchedule(ctx context.Context, t store.TenantID, c Config) error {
	for attempt := 0; ; attempt++ {
		if err := s.syncSchedule(ctx, t, c); err != nil {
			return err
		}
		now, err := s.GetConfig(ctx, t)
		if err != nil {
			return err
		}
		if now.Version == c.Version || attempt == 5 {
			return nil
		}
		c = now
		if c.Enabled {
			c.ScheduleExpression, _ = expression(c.Cadence)
		}
	}
}

var errScheduleSync = &failure.Error{Kind: failure.Unavailable, Code: "schedule_sync_failed",
	Message: "the configuration is stored but its schedule could not be updated; send the same request again"}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}
