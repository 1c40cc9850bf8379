package main

import (
	"testing"
	"time"
)

func TestSchedulesFireAtTheirNextTime(t *testing.T) {
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) // a Tuesday
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, expr string
		after      time.Time
		want       time.Time
	}{
		{"a rate fires one period after it starts", "rate(1 day)", start, at("2026-03-11T12:00:00Z")},
		{"a rate keeps its phase", "rate(5 minutes)", start.Add(7 * time.Minute), at("2026-03-10T12:10:00Z")},
		{"hours are a rate unit", "rate(2 hours)", start, at("2026-03-10T14:00:00Z")},
		{"a daily cron fires the same day if still to come", "cron(0 18 * * ? *)", start, at("2026-03-10T18:00:00Z")},
		{"a daily cron fires the next day if past", "cron(0 3 * * ? *)", start, at("2026-03-11T03:00:00Z")},
		{"steps in minutes", "cron(0/15 * * * ? *)", start.Add(time.Minute), at("2026-03-10T12:15:00Z")},
		{"named weekdays, SUN is 1", "cron(30 9 ? * MON-FRI *)", at("2026-03-13T10:00:00Z"), at("2026-03-16T09:30:00Z")},
		{"numeric weekday 1 is Sunday", "cron(0 0 ? * 1 *)", start, at("2026-03-15T00:00:00Z")},
		{"day of month and named months", "cron(0 8 1 JAN,JUL ? *)", start, at("2026-07-01T08:00:00Z")},
		{"L is the last day of the month", "cron(0 0 L * ? *)", start, at("2026-03-31T00:00:00Z")},
		{"years bound the schedule", "cron(0 0 1 1 ? 2028)", start, at("2028-01-01T00:00:00Z")},
		{"at fires once", "at(2026-04-01T10:00:00)", start, at("2026-04-01T10:00:00Z")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expr, err := parseSchedule(tc.expr, start, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := expr.next(tc.after)
			if !ok || !got.Equal(tc.want) {
				t.Errorf("next(%s) = %s %v, want %s", tc.after.Format(time.RFC3339), got.Format(time.RFC3339), ok, tc.want.Format(time.RFC3339))
			}
		})
	}
}

func TestCronHonoursItsTimeZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	expr, err := parseSchedule("cron(0 9 * * ? *)", time.Now(), paris)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := expr.next(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("got %s, want %s", got.UTC(), want)
	}
}

func TestBadScheduleExpressionsAreRejected(t *testing.T) {
	for _, expr := range []string{
		"rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(1 week)",
		"cron(0 12 * * *)", "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(61 12 * * ? *)",
		"cron(0 12 ? * 6#3 *)", "cron(0 12 15W * ? *)", "every day", "at(tomorrow)",
	} {
		if _, err := parseSchedule(expr, time.Now(), time.UTC); err == nil {
			t.Errorf("parseSchedule(%q) succeeded, want an error", expr)
		}
	}
}
