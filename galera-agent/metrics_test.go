package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeRows struct {
	rows map[string]string
	err  error
}

func (f *fakeRows) StatusRows(context.Context) (map[string]string, error) { return f.rows, f.err }

// A SHOW GLOBAL STATUS answer of a Synced MariaDB 10.11 Galera node (names lower-cased as query() does).
func syncedRows() map[string]string {
	return map[string]string{
		"wsrep_cluster_size": "3", "wsrep_cluster_status": "Primary", "wsrep_local_state": "4",
		"wsrep_ready": "ON", "wsrep_connected": "ON", "wsrep_flow_control_paused": "0.125",
		"wsrep_flow_control_paused_ns": "2500000000", "wsrep_flow_control_sent": "7", "wsrep_flow_control_recv": "9",
		"wsrep_local_recv_queue": "2", "wsrep_local_send_queue": "0", "wsrep_local_cert_failures": "5",
		"wsrep_local_bf_aborts": "1", "wsrep_local_commits": "1234", "wsrep_replicated": "1300", "wsrep_received": "40",
		"wsrep_last_committed": "98765", "threads_connected": "12", "threads_running": "3", "max_used_connections": "20",
		"connections": "456", "aborted_connects": "4", "uptime": "3600",
		"innodb_rows_read": "100", "innodb_rows_inserted": "50", "innodb_rows_updated": "25", "innodb_rows_deleted": "1",
		"innodb_buffer_pool_pages_total": "8192", "innodb_buffer_pool_pages_data": "500",
		"innodb_buffer_pool_pages_free": "7600", "innodb_buffer_pool_pages_dirty": "17",
		"innodb_buffer_pool_read_requests": "99999", "innodb_buffer_pool_reads": "321",
		"handler_write": "52", "handler_update": "65", "handler_delete": "22", "rows_read": "148",
		"innodb_data_reads": "174", "innodb_data_writes": "33", "innodb_data_fsyncs": "165",
	}
}

func with(rows map[string]string, kv ...string) map[string]string {
	for i := 0; i < len(kv); i += 2 {
		rows[kv[i]] = kv[i+1]
	}
	return rows
}

func TestRenderMetrics(t *testing.T) {
	cases := []struct {
		name      string
		rows      map[string]string
		want      []string // exact sample lines
		notWanted []string // prefixes that must not appear as a sample
	}{
		{"synced primary", syncedRows(), []string{
			"messagestack_galera_up 1",
			"messagestack_galera_cluster_size 3",
			"messagestack_galera_cluster_primary 1",
			"messagestack_galera_local_state 4",
			"messagestack_galera_ready 1",
			"messagestack_galera_connected 1",
			"messagestack_galera_flow_control_paused_ratio 0.125",
			"messagestack_galera_flow_control_paused_seconds_total 2.5",
			"messagestack_galera_flow_control_sent_total 7",
			"messagestack_galera_flow_control_recv_total 9",
			"messagestack_galera_recv_queue 2",
			"messagestack_galera_send_queue 0",
			"messagestack_galera_cert_failures_total 5",
			"messagestack_galera_bf_aborts_total 1",
			"messagestack_galera_local_commits_total 1234",
			"messagestack_galera_replicated_total 1300",
			"messagestack_galera_received_total 40",
			"messagestack_galera_last_committed 98765",
			"messagestack_mysql_threads_connected 12",
			"messagestack_mysql_threads_running 3",
			"messagestack_mysql_max_used_connections 20",
			"messagestack_mysql_connections_total 456",
			"messagestack_mysql_aborted_connects_total 4",
			"messagestack_mysql_uptime_seconds 3600",
			`messagestack_innodb_row_operations_total{operation="read"} 100`,
			`messagestack_innodb_row_operations_total{operation="inserted"} 50`,
			`messagestack_innodb_row_operations_total{operation="updated"} 25`,
			`messagestack_innodb_row_operations_total{operation="deleted"} 1`,
			`messagestack_innodb_buffer_pool_pages{state="total"} 8192`,
			`messagestack_innodb_buffer_pool_pages{state="data"} 500`,
			`messagestack_innodb_buffer_pool_pages{state="free"} 7600`,
			`messagestack_innodb_buffer_pool_pages{state="dirty"} 17`,
			"messagestack_innodb_buffer_pool_read_requests_total 99999",
			"messagestack_innodb_buffer_pool_reads_total 321",
			`messagestack_mysql_handler_operations_total{operation="write"} 52`,
			`messagestack_mysql_handler_operations_total{operation="update"} 65`,
			`messagestack_mysql_handler_operations_total{operation="delete"} 22`,
			"messagestack_mysql_rows_read_total 148",
			"messagestack_innodb_data_reads_total 174",
			"messagestack_innodb_data_writes_total 33",
			"messagestack_innodb_data_fsyncs_total 165",
		}, nil},
		{"non-primary, not ready, joining", with(syncedRows(), "wsrep_cluster_status", "non-Primary", "wsrep_ready", "OFF",
			"wsrep_local_state", "1", "wsrep_cluster_size", "1", "wsrep_connected", "OFF"), []string{
			"messagestack_galera_up 1",
			"messagestack_galera_cluster_primary 0",
			"messagestack_galera_ready 0",
			"messagestack_galera_connected 0",
			"messagestack_galera_local_state 1",
			"messagestack_galera_cluster_size 1",
		}, nil},
		{"disconnected", with(syncedRows(), "wsrep_cluster_status", "Disconnected"),
			[]string{"messagestack_galera_cluster_primary 0"}, nil},
		{"server without Galera: only the MySQL and InnoDB samples", map[string]string{"threads_connected": "2", "innodb_rows_read": "7"},
			[]string{"messagestack_galera_up 1", "messagestack_mysql_threads_connected 2", `messagestack_innodb_row_operations_total{operation="read"} 7`},
			[]string{"messagestack_galera_cluster_size", "messagestack_galera_cluster_primary", "messagestack_galera_ready", `messagestack_innodb_row_operations_total{operation="inserted"}`}},
		{"a value that is not a number is left out", with(syncedRows(), "wsrep_local_recv_queue", "", "threads_connected", "NaN"),
			[]string{"messagestack_galera_cluster_size 3"},
			[]string{"messagestack_galera_recv_queue", "messagestack_mysql_threads_connected"}},
		{"server down", nil, []string{"messagestack_galera_up 0"},
			[]string{"messagestack_galera_cluster_size", "messagestack_mysql_", "messagestack_innodb_"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := RenderMetrics(c.rows)
			samples := map[string]bool{}
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if !strings.HasPrefix(l, "#") {
					samples[l] = true
				}
			}
			for _, w := range c.want {
				if !samples[w] {
					t.Errorf("missing sample %q in\n%s", w, out)
				}
			}
			for _, n := range c.notWanted {
				for s := range samples {
					if strings.HasPrefix(s, n) {
						t.Errorf("unexpected sample %q", s)
					}
				}
			}
			checkExposition(t, out)
		})
	}
}

// checkExposition: every sample follows its own HELP and TYPE lines, names are valid, each metric once.
func checkExposition(t *testing.T, out string) {
	t.Helper()
	typed := map[string]bool{}
	current := ""
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "# HELP "):
			current = strings.Fields(l)[2]
			if typed[current] {
				t.Errorf("metric %s described twice", current)
			}
		case strings.HasPrefix(l, "# TYPE "):
			f := strings.Fields(l)
			if f[2] != current || (f[3] != "gauge" && f[3] != "counter") {
				t.Errorf("bad TYPE line %q after HELP of %s", l, current)
			}
			if f[3] == "counter" && !strings.HasSuffix(current, "_total") {
				t.Errorf("counter %s does not end in _total", current)
			}
			typed[current] = true
		default:
			name := l[:strings.IndexAny(l, " {")]
			if name != current || !typed[name] {
				t.Errorf("sample %q without its own HELP/TYPE", l)
			}
		}
	}
}

func TestMetricsQueryNamesEveryVariable(t *testing.T) {
	for _, d := range metricDefs {
		for v := range d.Vars {
			if v != strings.ToLower(v) || !strings.Contains(metricsQuery, "'"+v+"'") {
				t.Errorf("%s: variable %q is not asked for (lower case) by %s", d.Name, v, metricsQuery)
			}
			if len(d.Vars) > 1 && (d.Label == "" || d.Vars[v] == "") {
				t.Errorf("%s has several variables but no label for %s", d.Name, v)
			}
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	cases := []struct {
		name string
		src  MetricsSource
		want string
	}{
		{"server answers", &fakeRows{rows: syncedRows()}, "messagestack_galera_cluster_size 3\n"},
		// The error text names the monitor user: it must not reach the scrape.
		{"server refuses", &fakeRows{err: errors.New("Error 1045: Access denied for user 'monitor'@'localhost'")}, "messagestack_galera_up 0\n"},
		{"no source", nil, "messagestack_galera_up 0\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := newAgent(t, &fakeSource{st: synced(), running: true})
			a.Metrics = c.src
			rec := httptest.NewRecorder()
			a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if rec.Code != 200 {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
				t.Errorf("content type %q", ct)
			}
			body := rec.Body.String()
			if !strings.Contains(body, c.want) {
				t.Errorf("body lacks %q:\n%s", c.want, body)
			}
			if strings.Contains(body, "monitor") || strings.Contains(body, "Access denied") {
				t.Errorf("a credential or error text leaked into the scrape:\n%s", body)
			}
		})
	}
	a, _ := newAgent(t, &fakeSource{})
	if code, _ := call(t, a, "POST", "/metrics"); code != 405 {
		t.Errorf("POST /metrics: %d, want 405", code)
	}
}
