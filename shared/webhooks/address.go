package webhooks

import (
	"errors"
	"net/netip"
	"syscall"
)

// blockedV4 are the IPv4 ranges a webhook may never reach: this network, private,
// shared (carrier NAT), loopback, link-local (with the cloud metadata service),
// protocol assignments, documentation, benchmarking, multicast, reserved and broadcast.
var blockedV4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("169.254.169.254/32"), // cloud metadata (inside the line above; named for the reader)
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),   // TEST-NET-1
	netip.MustParsePrefix("192.88.99.0/24"), // 6to4 relay anycast, deprecated
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
}

// blockedV6 are the IPv6 ranges refused outright. IPv4-mapped (::ffff:0:0/96), NAT64
// (64:ff9b::/96) and 6to4 (2002::/16) addresses are not listed: the IPv4 address they carry
// is checked against blockedV4 instead.
var blockedV6 = []netip.Prefix{
	netip.MustParsePrefix("::/96"),          // unspecified, loopback and the deprecated IPv4-compatible form
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("100::/64"),       // discard only
	netip.MustParsePrefix("2001::/32"),      // Teredo: tunnels to an IPv4 address we cannot check
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fc00::/7"),       // unique local, with fd00:ec2::254 (cloud metadata)
	netip.MustParsePrefix("fec0::/10"),      // site-local, deprecated
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// blockedAddr reports whether a webhook may not connect to a. With allowLoopback (local
// development) the loopback addresses 127.0.0.0/8 and ::1 are allowed, and only they.
func blockedAddr(a netip.Addr, allowLoopback bool) bool {
	if !a.IsValid() {
		return true
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if allowLoopback && a.IsLoopback() {
		return false
	}
	if a.Is4() {
		return inAny(a, blockedV4)
	}
	if v4, ok := embeddedV4(a); ok {
		return blockedAddr(v4, false)
	}
	return inAny(a, blockedV6)
}

// embeddedV4 returns the IPv4 address carried by a NAT64 or 6to4 address.
func embeddedV4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

func inAny(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// errBlockedAddress is what the dialer's control returns for a refused address. The
// address is not in the message: the attempt's error is shown to the tenant, and our
// resolver's answers for internal names are none of their business.
var errBlockedAddress = errors.New("the host resolves to a blocked address (private, loopback, link-local, metadata or reserved)")

// dialControl returns the net.Dialer Control function: it runs after the name is
// resolved and before connect(2), on the address actually dialled.
func dialControl(allowLoopback bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || blockedAddr(ap.Addr(), allowLoopback) {
			return errBlockedAddress
		}
		return nil
	}
}
