package webhooks

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"syscall"
	"testing"
)

func TestBlockedAddr(t *testing.T) {
	blocked := []string{
		// The IPv4 ranges.
		"0.0.0.0", "0.255.255.255", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255",
		"127.0.0.1", "127.255.255.254", "169.254.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255",
		"192.0.0.1", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.255",
		"198.51.100.1", "203.0.113.1", "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255",
		// The IPv6 ranges.
		"::", "::1", "::127.0.0.1", "fc00::1", "fd00:ec2::254", "fdff:ffff::1", "fe80::1", "fe80::1%eth0",
		"febf::1", "fec0::1", "ff02::1", "ff0e::1", "100::1", "2001:db8::1", "2001:0:4136:e378::1",
		"64:ff9b:1::1",
		// IPv4-mapped forms of blocked IPv4 addresses.
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
		// NAT64 and 6to4 forms of blocked IPv4 addresses.
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::c0a8:101", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
	}
	allowed := []string{
		"8.8.8.8", "1.1.1.1", "93.184.215.14", "100.63.255.255", "100.128.0.0", "172.15.255.255",
		"172.32.0.0", "192.167.255.255", "198.17.255.255", "198.20.0.0", "223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	}
	for _, s := range blocked {
		if !blockedAddr(netip.MustParseAddr(s), false) {
			t.Errorf("%s is not blocked", s)
		}
	}
	for _, s := range allowed {
		if blockedAddr(netip.MustParseAddr(s), false) {
			t.Errorf("%s is blocked", s)
		}
	}
	if !blockedAddr(netip.Addr{}, true) {
		t.Error("the zero address is not blocked")
	}
}

func TestAllowingLoopbackAllowsLoopbackOnly(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"} {
		if blockedAddr(netip.MustParseAddr(s), true) {
			t.Errorf("%s is blocked with loopback allowed", s)
		}
	}
	for _, s := range []string{"10.0.0.1", "169.254.169.254", "192.168.1.1", "fd00:ec2::254", "fe80::1", "0.0.0.0", "::", "64:ff9b::7f00:1"} {
		if !blockedAddr(netip.MustParseAddr(s), true) {
			t.Errorf("%s is allowed with loopback allowed", s)
		}
	}
}

func TestDialControlRefusesBlockedAddressesAtConnectTime(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	serverAddr := srv.Listener.Addr().String()

	prod, local := dialControl(false), dialControl(true)
	tests := []struct {
		address   string
		prod, loc bool // allowed
	}{
		{"127.0.0.1:443", false, true},
		{serverAddr, false, true},
		{"[::1]:80", false, true},
		{"[::ffff:127.0.0.1]:80", false, true},
		{"169.254.169.254:80", false, false},
		{"[fd00:ec2::254]:80", false, false},
		{"10.0.0.1:443", false, false},
		{"[fe80::1%eth0]:443", false, false},
		{"93.184.215.14:443", true, true},
		{"[2606:4700:4700::1111]:443", true, true},
		{"localhost:80", false, false}, // never a name at this point: fail closed
		{"", false, false},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			control func(string, string, syscall.RawConn) error
			want    bool
			mode    string
		}{{prod, tt.prod, "production"}, {local, tt.loc, "local"}} {
			err := c.control("tcp", tt.address, nil)
			if (err == nil) != c.want || err != nil && !errors.Is(err, errBlockedAddress) {
				t.Errorf("%s in %s: %v; want allowed=%v", tt.address, c.mode, err, c.want)
			}
		}
	}
}

func TestDialerRefusesANameThatResolvesToLoopback(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	d := &net.Dialer{Control: dialControl(false)}
	conn, err := d.Dial("tcp", net.JoinHostPort("localhost", port))
	if err == nil {
		conn.Close()
		t.Fatal("connected to localhost")
	}
	if !errors.Is(err, errBlockedAddress) {
		t.Fatalf("error %v does not wrap errBlockedAddress", err)
	}
	d.Control = dialControl(true)
	conn, err = d.Dial("tcp", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("with loopback allowed: %v", err)
	}
	conn.Close()
}
