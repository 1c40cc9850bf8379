package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/infra/stack"
)

// scheduleExpr is a parsed rate(...), cron(...) or at(...) expression.
type scheduleExpr interface {
	// next is the first fire time strictly after t, false when there is none.
	next(t time.Time) (time.Time, bool)
}

var (
	rateRe = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)
	cronRe = regexp.MustCompile(`^cron\((.*)\)$`)
	atRe   = regexp.MustCompile(`^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$`)
)

// parseSchedule parses an EventBridge schedule expression. start anchors rate
// expressions (a rate schedule first fires one period after it is created); loc is the
// time zone of cron and at expressions (UTC unless ScheduleExpressionTimezone says).
func parseSchedule(expr string, start time.Time, loc *time.Location) (scheduleExpr, error) {
	expr = strings.TrimSpace(expr)
	if m := rateRe.FindStringSubmatch(expr); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n <= 0 {
			return nil, fmt.Errorf("schedule %q: the rate must be positive", expr)
		}
		// EventBridge insists on the singular for 1 and the plural otherwise.
		if (n == 1) == strings.HasSuffix(m[2], "s") {
			return nil, fmt.Errorf("schedule %q: use %q with %d", expr, map[bool]string{true: "minute/hour/day", false: "minutes/hours/days"}[n == 1], n)
		}
		unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
		return rateExpr{every: time.Duration(n) * unit, start: start}, nil
	}
	if m := cronRe.FindStringSubmatch(expr); m != nil {
		return parseCron(m[1], loc)
	}
	if m := atRe.FindStringSubmatch(expr); m != nil {
		t, err := time.ParseInLocation("2006-01-02T15:04:05", m[1], loc)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", expr, err)
		}
		return atExpr{at: t}, nil
	}
	return nil, fmt.Errorf("schedule %q: not rate(...), cron(...) or at(...)", expr)
}

type rateExpr struct {
	every time.Duration
	start time.Time
}

func (r rateExpr) next(t time.Time) (time.Time, bool) {
	if t.Before(r.start) {
		return r.start.Add(r.every), true
	}
	n := t.Sub(r.start)/r.every + 1
	return r.start.Add(n * r.every), true
}

type atExpr struct{ at time.Time }

func (a atExpr) next(t time.Time) (time.Time, bool) { return a.at, a.at.After(t) }

// cronExpr is EventBridge's six-field cron: minutes hours day-of-month month day-of-week
// year, where one of the two day fields must be "?". Supported: * ? , - / names, and L
// in day-of-month; W, # and nL are rejected rather than misread.
type cronExpr struct {
	minutes, hours, dom, months, dow, years map[int]bool
	lastDOM, anyDOM, anyDOW                 bool
	loc                                     *time.Location
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

func parseCron(body string, loc *time.Location) (*cronExpr, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron(%s): want 6 fields (minutes hours day-of-month month day-of-week year), got %d", body, len(f))
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("cron(%s): exactly one of day-of-month and day-of-week must be ?", body)
	}
	c := &cronExpr{loc: loc, anyDOM: f[2] == "?", anyDOW: f[4] == "?"}
	var err error
	fields := []struct {
		dst      *map[int]bool
		src      string
		lo, hi   int
		names    map[string]int
		wildcard bool
	}{
		{&c.minutes, f[0], 0, 59, nil, false},
		{&c.hours, f[1], 0, 23, nil, false},
		{&c.dom, f[2], 1, 31, nil, true},
		{&c.months, f[3], 1, 12, monthNames, false},
		{&c.dow, f[4], 1, 7, dayNames, true},
		{&c.years, f[5], 1970, 2199, nil, false},
	}
	if f[2] == "L" {
		c.lastDOM, fields[2].src = true, "?"
	}
	for _, fd := range fields {
		if fd.src == "?" {
			if !fd.wildcard {
				return nil, fmt.Errorf("cron(%s): ? is only allowed in the day fields", body)
			}
			continue
		}
		if *fd.dst, err = parseCronField(fd.src, fd.lo, fd.hi, fd.names); err != nil {
			return nil, fmt.Errorf("cron(%s): %w", body, err)
		}
	}
	return c, nil
}

func parseCronField(s string, lo, hi int, names map[string]int) (map[int]bool, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		if strings.ContainsAny(part, "LW#") && !isName(part, names) {
			return nil, fmt.Errorf("%q: L, W and # are not supported by the local runner", part)
		}
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("bad step in %q", part)
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = cronValue(a, names); err != nil {
				return nil, err
			}
			if to, err = cronValue(b, names); err != nil {
				return nil, err
			}
		default:
			v, err := cronValue(rng, names)
			if err != nil {
				return nil, err
			}
			from, to = v, v
			if hasStep {
				to = hi
			}
		}
		if from < lo || to > hi || from > to {
			return nil, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return set, nil
}

func isName(s string, names map[string]int) bool {
	_, ok := names[strings.ToUpper(s)]
	return ok
}

func cronValue(s string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v, nil
}

// maxCronSearch bounds the search for the next fire time (cron years end at 2199).
const maxCronSearch = 5 * 366

func (c *cronExpr) next(t time.Time) (time.Time, bool) {
	t = t.In(c.loc).Truncate(time.Minute).Add(time.Minute)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.loc)
	for i := 0; i < maxCronSearch; i++ {
		d := day.AddDate(0, 0, i)
		if !c.dayMatches(d) {
			continue
		}
		for h := 0; h < 24; h++ {
			if !c.hours[h] {
				continue
			}
			for m := 0; m < 60; m++ {
				cand := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, c.loc)
				if c.minutes[m] && !cand.Before(t) {
					return cand, true
				}
			}
		}
	}
	return time.Time{}, false
}

func (c *cronExpr) dayMatches(d time.Time) bool {
	if !c.years[d.Year()] || !c.months[int(d.Month())] {
		return false
	}
	switch {
	case c.lastDOM:
		return d.AddDate(0, 0, 1).Day() == 1
	case c.anyDOM:
		return c.dow[int(d.Weekday())+1] // SUN=1 ... SAT=7
	default:
		return c.dom[d.Day()]
	}
}

// startSchedules fires each enabled schedule on its timer (with -schedules) and keeps the
// list for on-demand firing.
func (rn *Runner) startSchedules(ctx context.Context) {
	rn.schedules = rn.dep.Schedules
	rn.wg.Add(1)
	go func() {
		defer rn.wg.Done()
		rn.watchScheduleGroups(ctx)
	}()
	if !rn.opts.Schedules {
		return
	}
	for _, s := range rn.schedules {
		if !s.Enabled {
			continue
		}
		expr, err := parseSchedule(s.Expression, time.Now(), scheduleLocation(s.Timezone))
		if err != nil {
			rn.con.printf("schedule %s: %v (fire it on demand)", s.Name, err)
			continue
		}
		rn.wg.Add(1)
		go func() {
			defer rn.wg.Done()
			rn.runSchedule(ctx, s, expr)
		}()
	}
}

func scheduleLocation(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

func (rn *Runner) runSchedule(ctx context.Context, s stack.Schedule, expr scheduleExpr) {
	for {
		at, ok := expr.next(time.Now())
		if !ok {
			return
		}
		rn.con.printf("schedule %s next fires at %s", s.Name, at.Format(time.RFC3339))
		t := time.NewTimer(time.Until(at))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		rn.fire(ctx, s, at)
	}
}

// fire invokes a schedule's target with its Input, or with the event the service
// sends when there is none.
func (rn *Runner) fire(ctx context.Context, s stack.Schedule, at time.Time) Result {
	payload := []byte(schedulerInput(s.Input, s, at))
	if s.Input == "" {
		payload = scheduledEvent(s, at, rn.dep.Account, rn.dep.Region)
	}
	return rn.invoke(ctx, s.FunctionID, "schedule "+s.Name, payload)
}

func scheduledEvent(s stack.Schedule, at time.Time, account, region string) []byte {
	source := "aws.events"
	if s.Kind == "scheduler" {
		source = "aws.scheduler"
	}
	ev := events.CloudWatchEvent{
		Version: "0", ID: newRequestID(), DetailType: "Scheduled Event", Source: source,
		AccountID: account, Time: at.UTC().Truncate(time.Second), Region: region,
		Resources: []string{s.ARN}, Detail: json.RawMessage("{}"),
	}
	b, _ := json.Marshal(ev)
	return b
}

func (rn *Runner) findSchedule(name string) (stack.Schedule, bool) {
	rn.schedMu.Lock()
	defer rn.schedMu.Unlock()
	for _, s := range rn.schedules {
		if s.Name == name || s.Source == name {
			return s, true
		}
	}
	return stack.Schedule{}, false
}

// FireResult is the answer of POST /_local/schedules/{name}.
type FireResult struct {
	Schedule   string          `json:"schedule"`
	Function   string          `json:"function"`
	Outcome    string          `json:"outcome"`
	DurationMs float64         `json:"durationMs"`
	Error      *FunctionError  `json:"error,omitempty"`
	Response   json.RawMessage `json:"response,omitempty"`
}

func (rn *Runner) handleFireSchedule(w http.ResponseWriter, r *http.Request) {
	s, ok := rn.findSchedule(r.PathValue("name"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "no schedule " + r.PathValue("name"), "schedules": rn.scheduleNames()})
		return
	}
	res := rn.fire(rn.runCtx, s, time.Now())
	out := FireResult{Schedule: s.Name, Function: s.FunctionID, Outcome: "ok", DurationMs: ms(res.Duration), Error: res.Err, Response: rawJSON(res.Payload)}
	if res.Err != nil {
		out.Outcome = "error"
	}
	writeJSON(w, http.StatusOK, out)
}

func (rn *Runner) handleListSchedules(w http.ResponseWriter, _ *http.Request) {
	rn.schedMu.Lock()
	list := slices.Clone(rn.schedules)
	rn.schedMu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (rn *Runner) scheduleNames() []string {
	rn.schedMu.Lock()
	defer rn.schedMu.Unlock()
	names := make([]string, len(rn.schedules))
	for i, s := range rn.schedules {
		names[i] = s.Name
	}
	return names
}

// FireAtStart fires the named schedules once, in order, now that the stack is up (for
// example the list refresh, so that screening answers from the first request). It stops
// quietly when ctx ends.
func (rn *Runner) FireAtStart(ctx context.Context, names []string) {
	for _, name := range names {
		if ctx.Err() != nil {
			return
		}
		s, ok := rn.findSchedule(name)
		if !ok {
			rn.con.printf("fire at start: no schedule %q (have %v)", name, rn.scheduleNames())
			continue
		}
		rn.con.printf("firing %s before reporting ready", name)
		res := rn.fire(ctx, s, time.Now())
		if canceled(ctx, res) {
			return
		}
		outcome := "ok"
		if res.Err != nil {
			outcome = fmt.Sprintf("error: %v", res.Err)
		}
		rn.con.printf("fired %s at start in %d ms: %s", name, res.Duration.Milliseconds(), outcome)
	}
}
