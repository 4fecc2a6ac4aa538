package asl

import (
	"fmt"
	"slices"

	"stepfunctions-go/internal/asl/stateserror"
)

// Retry and Catch, as Load reads them.

func (l *loader) retry(f *fields, st *State) {
	v, ok := f.raw("Retry")
	if !ok {
		return
	}
	list, isList := v.([]any)
	if !isList {
		f.fail("Retry", "must be an array of retriers, not %s", describe(v))
		return
	}
	for i, e := range list {
		rf := l.object(fmt.Sprintf("%s: Retry[%d]", f.where, i), e)
		if rf == nil {
			continue
		}
		r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		r.ErrorEquals = l.errorEquals(rf, i == len(list)-1, "Retry")
		if n, ok := rf.positiveInt("IntervalSeconds"); ok {
			r.IntervalSeconds = float64(n)
		}
		if n, ok := rf.nonNegativeInt("MaxAttempts"); ok {
			r.MaxAttempts = int(n)
		}
		if x, ok := rf.number("BackoffRate"); ok {
			if x < 1 {
				rf.fail("BackoffRate", "must be at least 1.0, not %v", x)
			}
			r.BackoffRate = x
		}
		if n, ok := rf.positiveInt("MaxDelaySeconds"); ok {
			r.MaxDelaySeconds = float64(n)
		}
		if s, ok := rf.string("JitterStrategy"); ok {
			if s != "FULL" && s != "NONE" {
				rf.fail("JitterStrategy", "must be FULL or NONE, not %q", s)
			}
			r.JitterFull = s == "FULL"
		}
		rf.string("Comment")
		rf.rejectUnknown()
		st.Retry = append(st.Retry, r)
	}
}

func (l *loader) catch(f *fields, st *State) {
	v, ok := f.raw("Catch")
	if !ok {
		return
	}
	list, isList := v.([]any)
	if !isList {
		f.fail("Catch", "must be an array of catchers, not %s", describe(v))
		return
	}
	for i, e := range list {
		cf := l.object(fmt.Sprintf("%s: Catch[%d]", f.where, i), e)
		if cf == nil {
			continue
		}
		c := Catcher{ErrorEquals: l.errorEquals(cf, i == len(list)-1, "Catch")}
		if next, ok := cf.string("Next"); ok {
			c.Next = next
		} else if !cf.has("Next") {
			cf.l.problem("%s: field \"Next\" is required", cf.where)
		}
		if st.QueryLanguage == JSONPath {
			c.ResultPath = cf.path("ResultPath", true, true)
			if cf.has("Output") {
				cf.read["Output"] = true
				cf.fail("Output", "is a JSONata field; this state's QueryLanguage is JSONPath")
			}
		} else {
			c.Output, c.HasOutput = cf.raw("Output")
			if cf.has("ResultPath") {
				cf.read["ResultPath"] = true
				cf.fail("ResultPath", "is a JSONPath field; this state's QueryLanguage is JSONata")
			}
		}
		c.Assign = l.assign(cf, "Assign", st.QueryLanguage)
		cf.string("Comment")
		cf.rejectUnknown()
		st.Catch = append(st.Catch, c)
	}
}

// errorEquals reads ErrorEquals: States.ALL must stand alone in the last
// retrier or catcher.
func (l *loader) errorEquals(f *fields, last bool, field string) []string {
	names, ok := f.strings("ErrorEquals")
	if !ok {
		if !f.has("ErrorEquals") {
			f.l.problem("%s: field \"ErrorEquals\" is required", f.where)
		}
		return nil
	}
	if slices.Contains(names, stateserror.ALL) {
		if len(names) > 1 {
			f.fail("ErrorEquals", "must hold States.ALL alone")
		}
		if !last {
			f.fail("ErrorEquals", "holds States.ALL, which must be in the last element of %s", field)
		}
	}
	return names
}
