package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// GET /metrics: the server's Galera, InnoDB and connection counters in the Prometheus text format
// (version 0.0.4), read from SHOW GLOBAL STATUS with the monitor user at each scrape. Scraped inside the
// cluster only (the agent port is never behind the public entry point). A server that does not answer
// gives messagestack_galera_up 0 and nothing else, with status 200: a scrape never fails with a 500.
// Labels carry only fixed words (operation, state), never a user, password or host.

// MetricsSource answers SHOW GLOBAL STATUS as lower-case name/value pairs.
type MetricsSource interface {
	StatusRows(ctx context.Context) (map[string]string, error)
}

// metricKind says how a status value becomes a sample.
type metricKind int

const (
	numeric metricKind = iota // the value as a number
	onOff                     // ON -> 1, anything else -> 0
	primary                   // Primary -> 1, anything else -> 0
	nanos                     // nanoseconds -> seconds
)

// metricDef is one exposed metric: one or more status variables, each a sample with its label.
type metricDef struct {
	Name, Type, Help string
	Kind             metricKind
	Label            string            // label name when Vars has more than one entry
	Vars             map[string]string // status variable -> label value ("" when no label)
}

func one(v string) map[string]string { return map[string]string{v: ""} }

// metricDefs is the one list of what /metrics exposes; docs/observability.md describes each.
var metricDefs = []metricDef{
	{"messagestack_galera_cluster_size", "gauge", "Members of the Galera component this node belongs to (wsrep_cluster_size).", numeric, "", one("wsrep_cluster_size")},
	{"messagestack_galera_cluster_primary", "gauge", "1 when this node is in the Primary component (wsrep_cluster_status=Primary), else 0.", primary, "", one("wsrep_cluster_status")},
	{"messagestack_galera_local_state", "gauge", "wsrep_local_state: 1 joining, 2 donor/desynced, 3 joined, 4 synced.", numeric, "", one("wsrep_local_state")},
	{"messagestack_galera_ready", "gauge", "1 when the node accepts queries (wsrep_ready=ON), else 0.", onOff, "", one("wsrep_ready")},
	{"messagestack_galera_connected", "gauge", "1 when the node is connected to the group (wsrep_connected=ON), else 0.", onOff, "", one("wsrep_connected")},
	{"messagestack_galera_flow_control_paused_ratio", "gauge", "Fraction of time replication was paused by flow control since the last FLUSH STATUS (wsrep_flow_control_paused).", numeric, "", one("wsrep_flow_control_paused")},
	{"messagestack_galera_flow_control_paused_seconds_total", "counter", "Time replication was paused by flow control (wsrep_flow_control_paused_ns, in seconds).", nanos, "", one("wsrep_flow_control_paused_ns")},
	{"messagestack_galera_flow_control_sent_total", "counter", "Flow control pause messages this node sent (wsrep_flow_control_sent).", numeric, "", one("wsrep_flow_control_sent")},
	{"messagestack_galera_flow_control_recv_total", "counter", "Flow control pause messages this node received (wsrep_flow_control_recv).", numeric, "", one("wsrep_flow_control_recv")},
	{"messagestack_galera_recv_queue", "gauge", "Write sets waiting to be applied (wsrep_local_recv_queue).", numeric, "", one("wsrep_local_recv_queue")},
	{"messagestack_galera_send_queue", "gauge", "Write sets waiting to be sent (wsrep_local_send_queue).", numeric, "", one("wsrep_local_send_queue")},
	{"messagestack_galera_cert_failures_total", "counter", "Local transactions that failed certification (wsrep_local_cert_failures).", numeric, "", one("wsrep_local_cert_failures")},
	{"messagestack_galera_bf_aborts_total", "counter", "Local transactions aborted by a replicated one (wsrep_local_bf_aborts).", numeric, "", one("wsrep_local_bf_aborts")},
	{"messagestack_galera_local_commits_total", "counter", "Transactions committed on this node (wsrep_local_commits).", numeric, "", one("wsrep_local_commits")},
	{"messagestack_galera_replicated_total", "counter", "Write sets this node replicated to the others (wsrep_replicated).", numeric, "", one("wsrep_replicated")},
	{"messagestack_galera_received_total", "counter", "Write sets this node received from the others (wsrep_received).", numeric, "", one("wsrep_received")},
	{"messagestack_galera_last_committed", "gauge", "Sequence number of the last committed transaction (wsrep_last_committed).", numeric, "", one("wsrep_last_committed")},
	{"messagestack_mysql_threads_connected", "gauge", "Open client connections (Threads_connected).", numeric, "", one("threads_connected")},
	{"messagestack_mysql_threads_running", "gauge", "Connections running a statement (Threads_running).", numeric, "", one("threads_running")},
	{"messagestack_mysql_max_used_connections", "gauge", "Most connections open at once since the server started (Max_used_connections).", numeric, "", one("max_used_connections")},
	{"messagestack_mysql_connections_total", "counter", "Connection attempts, successful or not (Connections).", numeric, "", one("connections")},
	{"messagestack_mysql_aborted_connects_total", "counter", "Failed connection attempts (Aborted_connects).", numeric, "", one("aborted_connects")},
	{"messagestack_mysql_uptime_seconds", "gauge", "Seconds since the server started (Uptime).", numeric, "", one("uptime")},
	{"messagestack_mysql_handler_operations_total", "counter", "Row writes, updates and deletes by the storage engines (Handler_write/update/delete).", numeric, "operation",
		map[string]string{"handler_write": "write", "handler_update": "update", "handler_delete": "delete"}},
	{"messagestack_mysql_rows_read_total", "counter", "Rows read from tables, temporary tables excluded (Rows_read, MariaDB).", numeric, "", one("rows_read")},
	{"messagestack_innodb_row_operations_total", "counter", "InnoDB row operations by operation (Innodb_rows_read/inserted/updated/deleted; MySQL and Percona only, MariaDB 10.11 has none).", numeric, "operation",
		map[string]string{"innodb_rows_read": "read", "innodb_rows_inserted": "inserted", "innodb_rows_updated": "updated", "innodb_rows_deleted": "deleted"}},
	{"messagestack_innodb_buffer_pool_pages", "gauge", "InnoDB buffer pool pages by state (Innodb_buffer_pool_pages_total/data/free/dirty).", numeric, "state",
		map[string]string{"innodb_buffer_pool_pages_total": "total", "innodb_buffer_pool_pages_data": "data", "innodb_buffer_pool_pages_free": "free", "innodb_buffer_pool_pages_dirty": "dirty"}},
	{"messagestack_innodb_buffer_pool_read_requests_total", "counter", "Logical reads from the buffer pool (Innodb_buffer_pool_read_requests).", numeric, "", one("innodb_buffer_pool_read_requests")},
	{"messagestack_innodb_data_reads_total", "counter", "InnoDB data file reads (Innodb_data_reads).", numeric, "", one("innodb_data_reads")},
	{"messagestack_innodb_data_writes_total", "counter", "InnoDB data file writes (Innodb_data_writes).", numeric, "", one("innodb_data_writes")},
	{"messagestack_innodb_data_fsyncs_total", "counter", "InnoDB fsync() calls (Innodb_data_fsyncs).", numeric, "", one("innodb_data_fsyncs")},
	{"messagestack_innodb_buffer_pool_reads_total", "counter", "Reads the buffer pool could not answer and took from disk (Innodb_buffer_pool_reads).", numeric, "", one("innodb_buffer_pool_reads")},
}

const upHelp = "# HELP messagestack_galera_up 1 when the local server answered SHOW GLOBAL STATUS at this scrape, else 0.\n# TYPE messagestack_galera_up gauge\n"

// metricsQuery reads every status variable that metricDefs names, in one round trip.
var metricsQuery = func() string {
	var names []string
	for _, d := range metricDefs {
		for v := range d.Vars {
			names = append(names, "'"+v+"'")
		}
	}
	sort.Strings(names)
	return "SHOW GLOBAL STATUS WHERE Variable_name IN (" + strings.Join(names, ",") + ")"
}()

// sampleValue turns one status value into a sample; false when it is missing or not a number.
func sampleValue(kind metricKind, raw string, present bool) (float64, bool) {
	if !present {
		return 0, false
	}
	switch kind {
	case onOff:
		return b2f(strings.EqualFold(raw, "ON")), true
	case primary:
		return b2f(raw == "Primary"), true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	if kind == nanos {
		f /= 1e9
	}
	return f, true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// RenderMetrics writes the exposition for one scrape: rows is nil when the server did not answer. A
// variable the server does not report (no Galera, an older version) leaves its sample out.
func RenderMetrics(rows map[string]string) string {
	var b strings.Builder
	b.WriteString(upHelp)
	if rows == nil {
		b.WriteString("messagestack_galera_up 0\n")
		return b.String()
	}
	b.WriteString("messagestack_galera_up 1\n")
	for _, d := range metricDefs {
		var lines []string
		for v, labelValue := range d.Vars {
			raw, present := rows[v]
			f, ok := sampleValue(d.Kind, raw, present)
			if !ok {
				continue
			}
			name := d.Name
			if d.Label != "" {
				name += "{" + d.Label + "=\"" + labelValue + "\"}"
			}
			lines = append(lines, name+" "+strconv.FormatFloat(f, 'g', -1, 64))
		}
		if len(lines) == 0 {
			continue
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s\n", d.Name, d.Help, d.Name, d.Type, strings.Join(lines, "\n"))
	}
	return b.String()
}

// GET /metrics
func (a *Agent) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	var rows map[string]string
	if a.Metrics != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 4*time.Second)
		defer cancel()
		var err error
		if rows, err = a.Metrics.StatusRows(ctx); err != nil {
			a.Log.Debug("metrics: the server did not answer SHOW GLOBAL STATUS", "err", err.Error())
			rows = nil
		} else if rows == nil {
			rows = map[string]string{}
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(RenderMetrics(rows)))
}
