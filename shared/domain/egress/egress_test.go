package egress

import (
	"net/netip"
	"strings"
	"testing"
)

func TestDeployedFunctionsReachOnlyPublicAddresses(t *testing.T) {
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"93.184.215.14", true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped loopback
		{"169.254.169.254", false},  // the instance metadata service
		{"fe80::1", false},
		{"10.0.0.5", false},
		{"172.16.3.4", false},
		{"192.168.1.1", false},
		{"::ffff:192.168.1.1", false},
		{"fd00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"100.64.1.1", false}, // carrier-grade NAT
		{"0.1.2.3", false},
		{"240.0.0.1", false},
		{"64:ff9b::a00:1", false}, // NAT64 of 10.0.0.1
		{"2002:a00:1::1", false},  // 6to4 of 10.0.0.1
	} {
		err := CheckIP(netip.MustParseAddr(c.addr))
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want allowed %v", c.addr, err, c.ok)
		}
	}
}

func TestOnlyHTTPSExceptLoopbackLocally(t *testing.T) {
	for _, c := range []struct {
		url           string
		local, deploy bool
	}{
		{"https://crm.example.com/tally", true, true},
		{"http://crm.example.com/tally", false, false},
		{"http://127.0.0.1:8080/hook", true, false},
		{"http://localhost:8080/hook", true, false},
		{"http://[::1]:8080/hook", true, false},
		{"http://10.0.0.5/hook", false, false},
		{"ftp://crm.example.com/x", false, false},
		{"https://user:pw@crm.example.com/x", false, false},
		{"/relative", false, false},
	} {
		if err := CheckURL(c.url, true); (err == nil) != c.local {
			t.Errorf("%s locally: %v", c.url, err)
		}
		if err := CheckURL(c.url, false); (err == nil) != c.deploy {
			t.Errorf("%s deployed: %v", c.url, err)
		}
	}
}

func TestNameHidesThePathAndQuery(t *testing.T) {
	raw := "https://hooks.example.com/services/T000/B000/XXXXsecretXXXX?token=abc"
	n := Name(raw)
	if !strings.HasPrefix(n, "https://hooks.example.com #") || strings.Contains(n, "secret") || strings.Contains(n, "token") || strings.Contains(n, "/services") {
		t.Errorf("Name = %q", n)
	}
	if Name(raw) != n || Name(raw+"x") == n {
		t.Error("the hash does not tell endpoints of one host apart")
	}
}
