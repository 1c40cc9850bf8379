package webhooks

import (
	"errors"
	"strings"
	"testing"
)

func TestURLPolicyCheck(t *testing.T) {
	prod, local := URLPolicy{}, URLPolicy{AllowLocal: true}
	long := "https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/"))
	tests := []struct {
		name     string
		policy   URLPolicy
		raw      string
		wantRule string // "" when accepted
	}{
		{"an https URL", prod, "https://hooks.example.com/chainguard?tenant=1", ""},
		{"an https URL with a port", prod, "https://hooks.example.com:8443/in", ""},
		{"an upper-case scheme and host", prod, "HTTPS://Hooks.Example.COM/In", ""},
		{"a public IPv4 literal", prod, "https://93.184.215.14/hook", ""},
		{"a public IPv6 literal", prod, "https://[2606:4700:4700::1111]/hook", ""},
		{"a trailing dot", prod, "https://example.com./hook", ""},
		{"a punycode host", prod, "https://xn--bcher-kva.example/hook", ""},
		{"exactly 2048 characters", prod, long, ""},

		{"2049 characters", prod, long + "a", "too_long"},
		{"http in production", prod, "http://hooks.example.com/in", "scheme"},
		{"ftp", prod, "ftp://hooks.example.com/in", "scheme"},
		{"a relative URL", prod, "/webhooks", "not_absolute"},
		{"no scheme", prod, "hooks.example.com/in", "not_absolute"},
		{"an opaque URL", prod, "https:hooks.example.com", "not_absolute"},
		{"one slash", prod, "https:/hooks.example.com", "not_absolute"},
		{"mailto", prod, "mailto:ops@example.com", "not_absolute"},
		{"a user and password", prod, "https://user:pass@hooks.example.com/", "userinfo"},
		{"a user alone", prod, "https://user@hooks.example.com/", "userinfo"},
		{"a fragment", prod, "https://hooks.example.com/in#part", "fragment"},
		{"an empty fragment", prod, "https://hooks.example.com/in#", "fragment"},
		{"no host", prod, "https:///in", "host"},
		{"a port alone", prod, "https://:443/in", "host"},
		{"port 0", prod, "https://example.com:0/", "port"},
		{"port 65536", prod, "https://example.com:65536/", "port"},
		{"an empty port", prod, "https://example.com:/", "port"},
		{"a letter port", prod, "https://example.com:https/", "malformed"},
		{"a space", prod, "https://example.com/a b", "malformed"},
		{"a leading space", prod, " https://example.com/", "malformed"},
		{"a newline", prod, "https://example.com/\n", "malformed"},
		{"a single-label host", prod, "https://intranet/hook", "host"},
		{"an underscore-led host label is fine but a hyphen-led one is not", prod, "https://-bad.example.com/", "host"},
		{"a non-ASCII host", prod, "https://bücher.example/hook", "host"},
		{"a host ending in a number (decimal IPv4)", prod, "https://2130706433/", "host"},
		{"a host ending in a number (hex IPv4)", prod, "https://0x7f.1/", "host"},
		{"a short IPv4 form", prod, "https://127.1/", "host"},
		{"an octal-looking IPv4", prod, "https://0177.0.0.1/", "host"},
		{"an IPv4 part over 255", prod, "https://256.1.1.1/", "host"},
		{"an IPv6 zone", prod, "https://[fe80::1%25eth0]/", "host"},

		{"localhost in production", prod, "https://localhost/hook", "blocked_address"},
		{"a *.localhost name in production", prod, "https://api.localhost/hook", "blocked_address"},
		{"127.0.0.1 in production", prod, "https://127.0.0.1/hook", "blocked_address"},
		{"::1 in production", prod, "https://[::1]/hook", "blocked_address"},
		{"a private 10/8 address", prod, "https://10.1.2.3/hook", "blocked_address"},
		{"a private 172.16/12 address", prod, "https://172.31.255.255/", "blocked_address"},
		{"a private 192.168/16 address", prod, "https://192.168.0.1/", "blocked_address"},
		{"carrier NAT", prod, "https://100.100.100.200/", "blocked_address"},
		{"the metadata service", prod, "https://169.254.169.254/latest/meta-data/", "blocked_address"},
		{"the IPv6 metadata service", prod, "https://[fd00:ec2::254]/", "blocked_address"},
		{"0.0.0.0", prod, "https://0.0.0.0/", "blocked_address"},
		{"a mapped loopback", prod, "https://[::ffff:127.0.0.1]/", "blocked_address"},
		{"a NAT64 private address", prod, "https://[64:ff9b::a00:1]/", "blocked_address"},
		{"a percent-encoded loopback (Go refuses to parse it)", prod, "https://%31%32%37.0.0.1/", "malformed"},

		{"http to 127.0.0.1 locally", local, "http://127.0.0.1:3000/hook", ""},
		{"http to [::1] locally", local, "http://[::1]:3000/hook", ""},
		{"http to localhost locally", local, "http://localhost:3000/hook", ""},
		{"https to localhost locally", local, "https://localhost:3000/hook", ""},
		{"https to another loopback address locally", local, "https://127.0.0.2/hook", ""},
		{"a single-label host locally", local, "https://receiver/hook", ""},
		{"http to another loopback address locally", local, "http://127.0.0.2/hook", "scheme"},
		{"http to a *.localhost name locally", local, "http://api.localhost/hook", "scheme"},
		{"http to a public host locally", local, "http://hooks.example.com/", "scheme"},
		{"a private address locally", local, "https://10.0.0.1/", "blocked_address"},
		{"the metadata service locally", local, "http://169.254.169.254/", "blocked_address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := tt.policy.Check(tt.raw)
			if tt.wantRule == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if u.Host != strings.ToLower(u.Host) {
					t.Fatalf("host %q not lower-cased", u.Host)
				}
				return
			}
			var ue *URLError
			if !errors.As(err, &ue) || ue.Rule != tt.wantRule || !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("got %v, %#v; want rule %s", u, err, tt.wantRule)
			}
			if ue.Reason == "" || ue.Error() != ue.Reason {
				t.Fatalf("reason %q", ue.Reason)
			}
		})
	}
}

func TestCheckedURLsPassTheCheckAgain(t *testing.T) {
	for _, raw := range []string{"HTTPS://Example.COM:443/a/ü?q=ä b", "https://example.com/%7e?x=%20"} {
		u, err := URLPolicy{}.Check(strings.ReplaceAll(raw, " ", "%20"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (URLPolicy{}).Check(u.String()); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
}
