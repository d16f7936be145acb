package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// PeerLister returns the host:port of the peer agents; the list may include this node itself
// (recognised by its node name in /state).
type PeerLister func(ctx context.Context) ([]string, error)

// StaticPeers: a comma-separated host:port list (PEER_AGENTS; the loopback test).
func StaticPeers(list string) PeerLister {
	var peers []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			peers = append(peers, p)
		}
	}
	return func(context.Context) ([]string, error) { return peers, nil }
}

// DNSPeers: every address of the headless peer Service (it publishes not-ready addresses, so a
// stopped database pod is listed too), at the agent port.
func DNSPeers(host, port string) PeerLister {
	return func(ctx context.Context) ([]string, error) {
		addrs, err := net.DefaultResolver.LookupHost(ctx, host)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(addrs))
		for _, a := range addrs {
			out = append(out, net.JoinHostPort(a, port))
		}
		return out, nil
	}
}

// PeerObjection says why a peer's state forbids this node to bootstrap from its recovered
// position, or "" when it does not. Pure, so each rule is a test row.
func PeerObjection(selfNode string, self *Recovery, peer State) string {
	name := peer.Node
	if name == "" {
		name = "(unnamed)"
	}
	switch {
	case peer.Node != "" && peer.Node == selfNode:
		return ""
	case peer.ClusterStatus == "Primary":
		return "peer " + name + " is in a Primary component: this node must join it, not start a second one"
	case peer.BootstrapRequested:
		return "peer " + name + " was told to bootstrap already"
	case peer.BootstrapClaimed:
		return "peer " + name + " is being asked to bootstrap at the same moment"
	case self.KnownPosition() && peer.Recovered.KnownPosition() && peer.Recovered.UUID == self.UUID &&
		*peer.Recovered.Seqno > *self.Seqno:
		return fmt.Sprintf("peer %s has a more advanced position on the same history (seqno %d > %d)",
			name, *peer.Recovered.Seqno, *self.Seqno)
	}
	return ""
}

// askPeers asks every peer agent's /state and returns the first objection, or "". A peer that
// does not answer cannot object: the operator decided on complete knowledge (or a person forced
// the choice), and refusing here would make a forced recovery with a lost node impossible.
func (a *Agent) askPeers(ctx context.Context, self *Recovery) string {
	if a.Peers == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	peers, err := a.Peers(ctx)
	if err != nil {
		a.Log.Warn("peer agents not listed; bootstrapping without asking them", "error", err.Error())
		return ""
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for _, p := range peers {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p+"/state", nil)
		resp, err := client.Do(req)
		if err != nil {
			a.Log.Warn("peer agent does not answer; it cannot object", "peer", p, "error", err.Error())
			continue
		}
		var st State
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			a.Log.Warn("peer agent answer unreadable; it cannot object", "peer", p, "status", resp.StatusCode)
			continue
		}
		if why := PeerObjection(a.Node, self, st); why != "" {
			return why
		}
	}
	return ""
}
