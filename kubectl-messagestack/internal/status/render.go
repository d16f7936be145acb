package status

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// Render writes the report as one screen: verdict first, then the details a person checks in that order.
func Render(out io.Writer, r *Report, now time.Time) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	defer w.Flush()
	p := func(format string, a ...interface{}) { fmt.Fprintf(w, format, a...) }

	p("MessageStack %s/%s", r.Namespace, r.Name)
	if r.Engine != "" {
		p("  engine %s", r.Engine)
	}
	p("  age %s  generation %d", age(now, r.Created), r.Generation)
	if r.HasStatus {
		p(" (observed %d)", r.ObservedGeneration)
	}
	p("\n")
	if r.HasStatus {
		p("Phase: %s", dash(r.Phase))
		if r.Summary != "" {
			p("   Database: %s", r.Summary)
		}
		if r.URL != "" {
			p("   URL: %s", r.URL)
		}
		p("\n")
		if r.Writer != "" {
			p("Writer: %s (%s)\n", r.Writer, dash(r.WriterReason))
		}
		if r.LastBackup != "" {
			p("Last backup: %s, finished %s ago at %s\n", r.LastBackup, age(now, r.LastBackupTime),
				r.LastBackupTime.UTC().Format("01-02 15:04:05Z"))
		}
	}
	if len(r.Problems) == 0 {
		p("Verdict: OK, every condition healthy and every component at its desired replicas\n")
	} else {
		p("Verdict: ATTENTION\n")
		for _, pr := range r.Problems {
			p("  ! %s\n", oneLine(pr))
		}
	}

	p("\nCONDITIONS\nTYPE\tSTATUS\tREASON\tSINCE\tMESSAGE\n")
	if len(r.Conditions) == 0 {
		p("(none)\t\t\t\t\n")
	}
	for _, c := range r.Conditions {
		p("%s\t%s\t%s\t%s\t%s\n", c.Type, c.Status, dash(c.Reason), since(now, c.Since), oneLine(c.Message))
	}

	p("\nCOMPONENTS\nCOMPONENT\tOBJECT\tREADY\tUP-TO-DATE\tSTATUS SAYS\n")
	for _, c := range r.Components {
		live, updated := "absent", "-"
		if c.Found {
			live, updated = fmt.Sprintf("%d/%d", c.LiveReady, c.LiveWant), fmt.Sprintf("%d", c.LiveUpdated)
		}
		said := "-"
		if c.StatusDesired >= 0 {
			said = fmt.Sprintf("%d/%d", c.StatusReady, c.StatusDesired)
		}
		p("%s\t%s/%s\t%s\t%s\t%s\n", c.Name, kindShort(c.Kind), c.Object, live, updated, said)
	}

	p("\nGALERA")
	if len(r.Galera) == 0 {
		p(" (no Galera state in the status yet)")
	}
	for _, f := range r.Galera {
		p("  %s=%s", f.Key, dash(f.Value))
	}
	p("\n")
	if len(r.GaleraNodes) > 0 {
		cols := nodeColumns(r.GaleraNodes)
		p("%s\n", strings.ToUpper(strings.Join(cols, "\t")))
		for _, n := range r.GaleraNodes {
			vals := make([]string, len(cols))
			for i, c := range cols {
				vals[i] = dash(n[c])
			}
			p("%s\n", strings.Join(vals, "\t"))
		}
	}
	p("POD\tREADY\tSTATUS\tRESTARTS\tNODE\tAGE\n")
	if len(r.DBPods) == 0 {
		p("(no database pods)\t\t\t\t\t\n")
	}
	for _, d := range r.DBPods {
		st := d.Phase
		if d.Deleting {
			st = "Terminating"
		}
		if d.Reason != "" {
			st += " (" + d.Reason + ")"
		}
		p("%s\t%s\t%s\t%d\t%s\t%s\n", d.Name, yesNo(d.Ready), st, d.Restarts, dash(d.Node), age(now, d.Created))
	}

	p("\nEVENTS (last %d, newest last)\nAGE\tTYPE\tREASON\tOBJECT\tMESSAGE\n", MaxEvents)
	if len(r.Events) == 0 {
		p("(none)\t\t\t\t\n")
	}
	for _, e := range r.Events {
		msg := oneLine(e.Message)
		if e.Count > 1 {
			msg += fmt.Sprintf(" (x%d)", e.Count)
		}
		p("%s\t%s\t%s\t%s\t%s\n", age(now, e.Last), e.Type, e.Reason, e.Object, msg)
	}
}

// nodeColumns: name-like keys first, then the rest in name order.
func nodeColumns(nodes []map[string]string) []string {
	seen := map[string]bool{}
	for _, n := range nodes {
		for k := range n {
			seen[k] = true
		}
	}
	var first, rest []string
	for _, k := range []string{"name", "pod"} {
		if seen[k] {
			first = append(first, k)
			delete(seen, k)
		}
	}
	for k := range seen {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	return append(first, rest...)
}

func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	return duration.HumanDuration(d)
}

func since(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return age(now, t) + " (" + t.UTC().Format("01-02 15:04:05Z") + ")"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

// oneLine keeps a table row on one line (messages may carry newlines and tabs).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
