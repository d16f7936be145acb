package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// AskPeerStates asks every peer agent's GET /state (the State type of server.go: one schema for the
// agent, the start and the operator). A peer that does not answer 200 with a readable State is
// recorded with State nil. GET /state needs no token: it changes nothing.
func AskPeerStates(ctx context.Context, agents []string) []PeerAnswer {
	client := &http.Client{Timeout: 3 * time.Second}
	out := make([]PeerAnswer, len(agents))
	for i, a := range agents {
		out[i] = PeerAnswer{Agent: a}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a+"/state", nil)
		if err != nil {
			continue
		}
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		var st State
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			out[i].State = &st
		}
	}
	return out
}
