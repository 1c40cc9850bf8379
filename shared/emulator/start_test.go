package emulator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/shared/emulator"
)

func TestModeFromEnv(t *testing.T) {
	cases := []struct {
		name, env string
		want      emulator.Mode
		fails     bool
	}{
		{name: "unset runs the launcher", env: "", want: emulator.Launcher},
		{name: "launcher runs the launcher", env: "launcher", want: emulator.Launcher},
		{name: "stock runs moto_server as installed", env: "stock", want: emulator.Stock},
		{name: "anything else is refused", env: "localstack", fails: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(emulator.ModeEnv, c.env)
			got, err := emulator.ModeFromEnv()
			if c.fails != (err != nil) || got != c.want {
				t.Errorf("ModeFromEnv() = %q, %v; want %q, failure %v", got, err, c.want, c.fails)
			}
		})
	}
}

// TestLaunchSaysWhatIsMissing checks the errors of an emulator that cannot start: no
// moto_server on PATH, and a moto_server whose Python cannot import moto.
func TestLaunchSaysWhatIsMissing(t *testing.T) {
	t.Run("without moto_server on PATH", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := emulator.Launch(context.Background(), emulator.Launcher, nil)
		if !errors.Is(err, emulator.ErrNotInstalled) {
			t.Errorf("Launch: %v, want ErrNotInstalled", err)
		}
	})
	t.Run("with a Python that cannot import moto", func(t *testing.T) {
		const python = "/usr/bin/python3"
		if _, err := os.Stat(python); err != nil {
			t.Skip(python, "absent")
		}
		dir := t.TempDir()
		script := "#!" + python + "\n# a moto_server whose Python has no moto\n"
		if err := os.WriteFile(filepath.Join(dir, "moto_server"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", dir)
		t.Setenv("PYTHONPATH", dir) // nothing named moto there
		_, err := emulator.Launch(context.Background(), emulator.Launcher, nil)
		if err == nil {
			t.Skip(python, "imports moto")
		}
		if !strings.Contains(err.Error(), "moto is not importable by "+python) {
			t.Errorf("Launch: %v; want it to say moto is not importable by %s", err, python)
		}
		t.Log(err)
	})
}
