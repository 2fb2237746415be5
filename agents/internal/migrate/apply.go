package migrate

import (
	"fmt"
	"strings"
)

// Apply runs ops in order on a copy of settings and returns the copy; settings itself
// is never changed. The first failing operation aborts with an error naming its index.
func Apply(settings map[string]any, ops []Op) (map[string]any, error) {
	out, _ := deepCopy(settings).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	for i, op := range ops {
		if err := applyOp(out, op); err != nil {
			return nil, fmt.Errorf("[%d] %s: %w", i, op.describe(), err)
		}
	}
	return out, nil
}

func (op Op) describe() string {
	switch op.Op {
	case OpRename:
		return fmt.Sprintf("rename %s to %s", op.From, op.To)
	case OpTransform:
		return fmt.Sprintf("transform %s with %s", op.Key, op.Fn)
	}
	return op.Op + " " + op.Key
}

func applyOp(m map[string]any, op Op) error {
	switch op.Op {
	case OpAdd:
		if _, ok, err := get(m, op.Key); err != nil || ok {
			return err
		}
		return set(m, op.Key, deepCopy(op.Value))
	case OpRemove:
		_, err := remove(m, op.Key)
		return err
	case OpRename:
		v, ok, err := get(m, op.From)
		if err != nil || !ok {
			return err
		}
		if _, exists, err := get(m, op.To); err != nil {
			return err
		} else if exists {
			return fmt.Errorf("%s is already set", op.To)
		}
		if _, err := remove(m, op.From); err != nil {
			return err
		}
		return set(m, op.To, v)
	case OpTransform:
		v, ok, err := get(m, op.Key)
		if err != nil || !ok {
			return err
		}
		nv, err := op.Fn.Apply(v)
		if err != nil {
			return fmt.Errorf("value %s: %w", jsonText(v), err)
		}
		return set(m, op.Key, nv)
	}
	return fmt.Errorf("unknown operation %q", op.Op)
}

// parent walks to the object holding the last segment of key. With create, missing
// objects on the way are made; without, a missing one yields nil.
func parent(m map[string]any, key string, create bool) (map[string]any, string, error) {
	segs := strings.Split(key, ".")
	cur := m
	for i, s := range segs[:len(segs)-1] {
		next, ok := cur[s]
		if !ok {
			if !create {
				return nil, "", nil
			}
			nm := map[string]any{}
			cur[s] = nm
			cur = nm
			continue
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("%s is a %s, not an object", strings.Join(segs[:i+1], "."), jsonType(next))
		}
		cur = nm
	}
	return cur, segs[len(segs)-1], nil
}

func get(m map[string]any, key string) (any, bool, error) {
	p, last, err := parent(m, key, false)
	if err != nil || p == nil {
		return nil, false, err
	}
	v, ok := p[last]
	return v, ok, nil
}

func set(m map[string]any, key string, v any) error {
	p, last, err := parent(m, key, true)
	if err != nil {
		return err
	}
	p[last] = v
	return nil
}

// remove deletes key and then every parent object the deletion left empty.
func remove(m map[string]any, key string) (bool, error) {
	p, last, err := parent(m, key, false)
	if err != nil || p == nil {
		return false, err
	}
	if _, ok := p[last]; !ok {
		return false, nil
	}
	delete(p, last)
	segs := strings.Split(key, ".")
	for n := len(segs) - 1; n > 0; n-- {
		pk := strings.Join(segs[:n], ".")
		v, _, _ := get(m, pk)
		if obj, ok := v.(map[string]any); !ok || len(obj) > 0 {
			break
		}
		pp, plast, _ := parent(m, pk, false)
		delete(pp, plast)
	}
	return true, nil
}
