package webhooks

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
)

// MaxURLLength bounds an endpoint URL.
const MaxURLLength = 2048

// URLPolicy says which endpoint URLs may be registered and called.
type URLPolicy struct {
	// AllowLocal is for local development only: it also accepts http to 127.0.0.1, [::1]
	// and localhost, and the sender then may connect to loopback addresses (and still to
	// no other private range).
	AllowLocal bool
}

// ErrInvalidURL matches every *URLError with errors.Is.
var ErrInvalidURL = errors.New("webhooks: invalid endpoint URL")

// URLError is a refused endpoint URL. Error returns Reason, a sentence fit for the API
// caller (400 invalid_url); Rule says which rule refused it.
type URLError struct {
	Rule   string // stable: too_long, malformed, not_absolute, scheme, userinfo, fragment, host, port, blocked_address
	Reason string
}

func (e *URLError) Error() string        { return e.Reason }
func (e *URLError) Is(target error) bool { return target == ErrInvalidURL }

func urlError(rule, reason string) *URLError { return &URLError{Rule: rule, Reason: reason} }

// Check parses an endpoint URL and applies the rules: at most 2048 characters, absolute,
// https (http only to loopback with AllowLocal), no user information, no fragment, a host
// that is a domain name or an IP literal, any port. Hosts that are blocked IP literals
// (private, loopback, link-local, metadata, reserved) and loopback names are refused here
// already; the sender's dialer checks every resolved address again at delivery. The URL
// returned has its host in lower case.
func (p URLPolicy) Check(raw string) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, urlError("too_long", "the URL must be at most 2048 characters long")
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, urlError("malformed", "the URL must not contain spaces or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, urlError("malformed", "the URL cannot be parsed")
	}
	if !u.IsAbs() || u.Opaque != "" || !strings.HasPrefix(raw[len(u.Scheme)+1:], "//") {
		return nil, urlError("not_absolute", "the URL must be absolute, like https://example.com/webhooks")
	}
	if u.User != nil {
		return nil, urlError("userinfo", "the URL must not contain a user name or password")
	}
	if strings.Contains(raw, "#") {
		return nil, urlError("fragment", "the URL must not contain a fragment (#...)")
	}
	if err := checkPort(u); err != nil {
		return nil, err
	}
	u.Host = strings.ToLower(u.Host)
	host, err := p.checkHost(u.Hostname())
	if err != nil {
		return nil, err
	}
	if err := p.checkScheme(u.Scheme, host); err != nil {
		return nil, err
	}
	if len(u.String()) > MaxURLLength {
		return nil, urlError("too_long", "the URL must be at most 2048 characters long once encoded")
	}
	return u, nil
}

// hostKind is what checkHost found.
type hostKind int

const (
	publicHost     hostKind = iota // a domain name or a public IP literal
	loopbackHost                   // 127.0.0.1, ::1 or localhost, accepted only with AllowLocal
	otherLocalHost                 // another loopback address or a *.localhost name, with AllowLocal
)

func (p URLPolicy) checkScheme(scheme string, host hostKind) error {
	switch {
	case scheme == "https":
		return nil
	case scheme == "http" && p.AllowLocal && host == loopbackHost:
		return nil
	case scheme == "http" && p.AllowLocal:
		return urlError("scheme", "the URL must use https (http only to 127.0.0.1, [::1] or localhost)")
	default:
		return urlError("scheme", "the URL must use https")
	}
}

func checkPort(u *url.URL) error {
	if strings.HasSuffix(u.Host, ":") {
		return urlError("port", "the port after ':' is missing")
	}
	port := u.Port()
	if port == "" {
		return nil
	}
	n := 0
	for _, c := range []byte(port) {
		n = n*10 + int(c-'0')
		if n > 65535 {
			break
		}
	}
	if len(port) > 5 || n < 1 || n > 65535 {
		return urlError("port", "the port must be between 1 and 65535")
	}
	return nil
}

func (p URLPolicy) checkHost(host string) (hostKind, error) {
	if host == "" {
		return 0, urlError("host", "the URL must have a host")
	}
	if strings.Contains(host, ":") || isDottedDecimal(host) {
		return p.checkIPLiteral(host)
	}
	name := strings.TrimSuffix(host, ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if !p.AllowLocal {
			return 0, urlError("blocked_address", "the host must not be a loopback name such as localhost")
		}
		if name == "localhost" {
			return loopbackHost, nil
		}
		return otherLocalHost, nil
	}
	if err := checkDomainName(name); err != nil {
		return 0, err
	}
	if !strings.Contains(name, ".") && !p.AllowLocal {
		return 0, urlError("host", "the host must be a fully qualified domain name, like example.com")
	}
	return publicHost, nil
}

func (p URLPolicy) checkIPLiteral(host string) (hostKind, error) {
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return 0, urlError("host", "the host is not a valid IP address")
	}
	if !blockedAddr(a, p.AllowLocal) {
		switch {
		case !a.Unmap().IsLoopback():
			return publicHost, nil
		case a == netip.MustParseAddr("127.0.0.1") || a == netip.IPv6Loopback():
			return loopbackHost, nil
		default:
			return otherLocalHost, nil
		}
	}
	return 0, urlError("blocked_address", "the host must not be a private, loopback, link-local, metadata or reserved IP address")
}

// checkDomainName accepts ASCII names of labels of letters, digits, '-' and '_'. A name
// whose last label is a number is refused: URL parsers and resolvers read such hosts as
// IPv4 in other notations (2130706433, 0x7f.1, 127.1), which would bypass the IP checks.
func checkDomainName(name string) error {
	const invalid = "the host must be a domain name (letters, digits and hyphens; punycode xn-- for other scripts) or an IP address"
	if name == "" || len(name) > 253 {
		return urlError("host", invalid)
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return urlError("host", invalid)
		}
		for _, c := range []byte(l) {
			if !isAlnum(c) && c != '-' && c != '_' {
				return urlError("host", invalid)
			}
		}
	}
	if endsInNumber(labels[len(labels)-1]) {
		return urlError("host", "the host must be a domain name or a dotted-decimal IPv4 address")
	}
	return nil
}

// endsInNumber follows the WHATWG URL standard: a last label of digits, or 0x and hex
// digits, makes the host an IPv4 address.
func endsInNumber(label string) bool {
	s := label
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		s = s[2:]
		return !strings.ContainsFunc(s, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
		})
	}
	return allDigits(s)
}

// isDottedDecimal reports whether host is four dot-separated runs of digits: the only
// IPv4 notation accepted, and only if netip.ParseAddr accepts it (no leading zeros, each
// part at most 255).
func isDottedDecimal(host string) bool {
	parts := strings.Split(host, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !allDigits(p) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}
