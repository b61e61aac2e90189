"""Annealing that also changes the frame of an allocation: which groups exist, their slots and
their tutors (issue #15 item 5). Django-free; `allocation._polish` calls `anneal_frames`.

Besides moving and swapping tutees between groups (as `allocation._anneal` does), a step may
- move a whole group to another slot that its tutors and tutees can all attend and where none of
  its tutors has a group already;
- give a group a free tutor in place of one of its own, or swap tutors between two groups;
- open a group at a slot with enough free tutors, pulling a friend-connected set of tutees from
  groups that can spare them;
- close a group and re-insert each of its tutees where it has the most friends.
Nobody is placed or unplaced, and every rule check_groups checks holds after every step (the
moves only ever make a change that keeps them). The value tracked is the number of friend pairs
in one group, updated by each step's exact delta (tests recompute it after every step).
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nearpeer.tutorials.allocation import Group, _Pool

# Shares of the steps that relocate a group, change a tutor, open a group and close one; the
# rest move tutees.
FRAME_SHARES = (0.02, 0.02, 0.02, 0.02)


class FrameState:
    """Groups as mutable lists with the counts the moves need kept up to date."""

    def __init__(self, pool: _Pool, groups: list[Group], seed: int = 0) -> None:
        p = pool.problem
        self.pool = pool
        self.gmin, self.gmax = p.group_min, p.group_max
        self.tmin, self.tmax = p.tutors_min, p.tutors_max
        self.rng = random.Random(len(pool.tutees) * 7919 + len(groups) + 104729 * seed)
        index = {u.id: i for i, u in enumerate(pool.tutees)}
        self.tutor_index = {t.id: j for j, t in enumerate(pool.tutors)}
        self.slots = list(p.slots)
        self.tutee_slots = [frozenset(u.available | u.if_need_be) for u in pool.tutees]
        self.tutee_slot_list = [sorted(s, key=self.slots.index) for s in self.tutee_slots]
        self.tutor_ok = [frozenset(pool.tutor_slots(t)) for t in pool.tutors]
        self.tutor_cap = [pool.capacity[t.id] for t in pool.tutors]
        self.tutors_at = {s: [t for t, ok in enumerate(self.tutor_ok) if s in ok] for s in p.slots}
        self.friends: list[list[int]] = [[] for _ in pool.tutees]
        for i, j in pool.pairs:
            self.friends[i].append(j)
            self.friends[j].append(i)
        self.slot: list = [g.slot for g in groups]
        self.tutors: list[list[int]] = [[self.tutor_index[t] for t in g.tutors] for g in groups]
        self.members: list[list[int]] = [[index[u] for u in g.tutees] for g in groups]
        self.alive = [True] * len(groups)
        self.live = list(range(len(groups)))  # the alive groups, in no order
        self.at: dict = defaultdict(list)  # slot -> alive groups there
        for k, s in enumerate(self.slot):
            self.at[s].append(k)
        self.busy: list[set] = [set() for _ in pool.tutors]  # slots where a tutor has a group
        for k, ts in enumerate(self.tutors):
            for t in ts:
                self.busy[t].add(self.slot[k])
        # where[i]: tutee i's group, or -1 when unplaced; seat[i]: its index in that group
        self.where = [-1] * len(pool.tutees)
        self.seat = [0] * len(pool.tutees)
        for k, m in enumerate(self.members):
            for n, i in enumerate(m):
                self.where[i], self.seat[i] = k, n
        self.ties: list[dict[int, int]] = [defaultdict(int) for _ in pool.tutees]
        self.placed = [i for i, k in enumerate(self.where) if k >= 0]
        for i in self.placed:
            for j in self.friends[i]:
                self.ties[j][self.where[i]] += 1
        self.value = self.recount()

    # --- exact bookkeeping ----------------------------------------------------------------------

    def recount(self) -> int:
        w = self.where
        return sum(1 for i, j in self.pool.pairs if w[i] >= 0 and w[j] == w[i])

    def _move(self, i: int, b: int) -> None:
        a = self.where[i]
        for j in self.friends[i]:
            self.ties[j][a] -= 1
            self.ties[j][b] += 1
        m = self.members[a]
        last = m[-1]
        m[self.seat[i]] = last
        self.seat[last] = self.seat[i]
        m.pop()
        self.seat[i] = len(self.members[b])
        self.members[b].append(i)
        self.where[i] = b

    def _new_group(self, slot, tutors: list[int]) -> int:
        for k, alive in enumerate(self.alive):
            if not alive:
                self.alive[k] = True
                break
        else:
            k = len(self.alive)
            self.alive.append(True)
            self.slot.append(None)
            self.tutors.append([])
            self.members.append([])
        self.slot[k], self.tutors[k], self.members[k] = slot, list(tutors), []
        self.live.append(k)
        self.at[slot].append(k)
        for t in tutors:
            self.busy[t].add(slot)
        return k

    def _drop_group(self, k: int) -> None:
        assert not self.members[k]
        self.alive[k] = False
        self.live.remove(k)
        self.at[self.slot[k]].remove(k)
        for t in self.tutors[k]:
            self.busy[t].discard(self.slot[k])
        self.tutors[k] = []

    def _accept(self, gain: int, temperature: float) -> bool:
        return gain >= 0 or self.rng.random() < math.exp(gain / temperature)

    # --- moves: each adds the change in pairs it made to `value` and returns it -----------------

    def tutee_step(self, temperature: float) -> int:
        if not self.placed:
            return 0
        # The hot path: random picks as seq[int(random() * len(seq))] (a third faster than
        # rng.choice; still seeded and repeatable).
        uniform = self.rng.random
        placed = self.placed
        i = placed[int(uniform() * len(placed))]
        where = self.where
        a = where[i]
        if uniform() < 0.7:
            slot, free = self.slot, self.tutee_slots[i]
            near = [
                k for j in self.friends[i] if (k := where[j]) >= 0 and k != a and slot[k] in free
            ]
            if not near:
                return 0
            b = near[int(uniform() * len(near))]
        else:
            slots = self.tutee_slot_list[i]
            there = self.at[slots[int(uniform() * len(slots))]]
            if not there:
                return 0
            b = there[int(uniform() * len(there))]
            if b == a:
                return 0
        ties_i = self.ties[i]
        mb, ma = self.members[b], self.members[a]
        if len(mb) < self.gmax and len(ma) > self.gmin:
            gain = ties_i[b] - ties_i[a]
            if gain >= 0 or uniform() < math.exp(gain / temperature):
                self._move(i, b)
                self.value += gain
                return gain
            return 0
        w = mb[int(uniform() * len(mb))]
        if self.slot[a] not in self.tutee_slots[w]:
            return 0
        linked = 2 if w in self.friends[i] else 0
        ties_w = self.ties[w]
        gain = ties_i[b] - ties_i[a] + ties_w[a] - ties_w[b] - linked
        if gain >= 0 or uniform() < math.exp(gain / temperature):
            self._move(i, b)
            self._move(w, a)
            self.value += gain
            return gain
        return 0

    def _free_tutors(self, slot, exclude=()) -> list[int]:
        return [
            t
            for t in self.tutors_at[slot]
            if slot not in self.busy[t]
            and len(self.busy[t]) < self.tutor_cap[t]
            and t not in exclude
        ]

    def relocate(self) -> int:
        """A whole group to another slot all its members can attend and its tutors are free at."""
        if not self.placed:
            return 0
        rng = self.rng
        k = rng.choice(self.live)
        old = self.slot[k]
        slots = [
            s
            for s in self.slots
            if s != old
            and all(s in self.tutor_ok[t] and s not in self.busy[t] for t in self.tutors[k])
            and all(s in self.tutee_slots[i] for i in self.members[k])
        ]
        if not slots:
            return 0
        new = rng.choice(slots)
        self.at[old].remove(k)
        self.at[new].append(k)
        for t in self.tutors[k]:
            self.busy[t].discard(old)
            self.busy[t].add(new)
        self.slot[k] = new
        return 0

    def retutor(self) -> int:
        """A free tutor takes a group's tutor's place, or two groups swap a tutor each."""
        if not self.placed:
            return 0
        rng = self.rng
        alive = self.live
        k = rng.choice(alive)
        s = self.slot[k]
        out = rng.choice(self.tutors[k])
        if rng.random() < 0.5:
            free = self._free_tutors(s)
            if not free:
                return 0
            t = rng.choice(free)
            self.tutors[k][self.tutors[k].index(out)] = t
            self.busy[out].discard(s)
            self.busy[t].add(s)
            return 0
        m = rng.choice(alive)
        s2 = self.slot[m]
        if m == k or s2 == s:
            return 0
        other = rng.choice(self.tutors[m])
        if (
            other in self.tutors[k]
            or out in self.tutors[m]
            or s not in self.tutor_ok[other]
            or s2 not in self.tutor_ok[out]
            or s in self.busy[other]
            or s2 in self.busy[out]
        ):
            return 0
        self.tutors[k][self.tutors[k].index(out)] = other
        self.tutors[m][self.tutors[m].index(other)] = out
        self.busy[out].discard(s)
        self.busy[out].add(s2)
        self.busy[other].discard(s2)
        self.busy[other].add(s)
        return 0

    def open_group(self, temperature: float) -> int:
        """A new group at a slot with enough free tutors, from a friend-connected set of tutees
        (grown from a random tutee) that their groups can spare."""
        if not self.placed:
            return 0
        rng = self.rng
        i = rng.choice(self.placed)
        s = rng.choice(self.tutee_slot_list[i])
        free = self._free_tutors(s)
        if len(free) < self.tmin:
            return 0
        target = rng.randint(self.gmin, self.gmax)
        spare: dict[int, int] = {}  # group -> tutees it still can give

        def can_take(j: int) -> bool:
            k = self.where[j]
            if k not in spare:
                spare[k] = len(self.members[k]) - self.gmin
            return s in self.tutee_slots[j] and spare[k] > 0

        chosen: list[int] = []
        taken: set[int] = set()
        frontier = [i]
        while frontier and len(chosen) < target:
            j = frontier.pop(rng.randrange(len(frontier)))
            if j in taken or self.where[j] < 0 or not can_take(j):
                continue
            taken.add(j)
            chosen.append(j)
            spare[self.where[j]] -= 1
            frontier.extend(f for f in self.friends[j] if f not in taken)
        if len(chosen) < self.gmin:
            return 0
        gain = 0
        for j in chosen:
            for f in self.friends[j]:
                if f in taken:
                    if j < f:
                        gain += 1 - (self.where[j] == self.where[f])
                elif self.where[f] == self.where[j]:
                    gain -= 1
        if not self._accept(gain, temperature):
            return 0
        k = self._new_group(s, rng.sample(free, self.tmin))
        for j in chosen:
            self._move(j, k)
        self.value += gain
        return gain

    def close_group(self, temperature: float) -> int:
        """Close a group and seat each of its tutees where it has the most friends (counting
        those of its group already seated there); nothing changes when someone has no seat or
        the annealing rejects the loss. The seats and the gain are worked out before any move."""
        if not self.placed:
            return 0
        rng = self.rng
        alive = self.live
        if len(alive) < 2:
            return 0
        k = rng.choice(alive)
        leaving = self.members[k]
        internal = sum(self.ties[i][k] for i in leaving) // 2
        seated: dict[int, int] = {}
        extra: dict[int, int] = defaultdict(int)  # group -> tutees of k seated there
        gain = -internal
        for i in leaving:
            near: dict[int, int] = defaultdict(int)  # friends of i of k seated so far, by group
            for j in self.friends[i]:
                if j in seated:
                    near[seated[j]] += 1
            ties = self.ties[i]
            best, choices = -1, []
            for s in self.tutee_slot_list[i]:
                for b in self.at[s]:
                    if b == k or len(self.members[b]) + extra[b] >= self.gmax:
                        continue
                    t = ties[b] + near[b] if near else ties[b]
                    if t > best:
                        best, choices = t, [b]
                    elif t == best:
                        choices.append(b)
            if not choices:
                return 0
            b = rng.choice(choices)
            seated[i] = b
            extra[b] += 1
            gain += best
        if not self._accept(gain, temperature):
            return 0
        for i, b in seated.items():
            self._move(i, b)
        self._drop_group(k)
        self.value += gain
        return gain

    def step(self, temperature: float) -> int:
        """One random step; returns its change in pairs and keeps `value` up to date."""
        if not self.placed:
            return 0
        r = self.rng.random()
        relocate, retutor, open_, close = FRAME_SHARES
        if r >= relocate + retutor + open_ + close:
            return self.tutee_step(temperature)
        if r < relocate:
            return self.relocate()
        if r < relocate + retutor:
            return self.retutor()
        if r < relocate + retutor + open_:
            return self.open_group(temperature)
        return self.close_group(temperature)

    # --- snapshots and output -------------------------------------------------------------------

    def snapshot(self) -> list[tuple]:
        return [
            (self.slot[k], tuple(self.tutors[k]), tuple(self.members[k]))
            for k, alive in enumerate(self.alive)
            if alive
        ]

    def groups(self, snapshot: list[tuple] | None = None) -> list[Group]:
        from nearpeer.tutorials.allocation import Group

        tutors, tutees = self.pool.tutors, self.pool.tutees
        return [
            Group(
                s,
                tuple(tutors[t].id for t in sorted(ts)),
                tuple(tutees[i].id for i in sorted(m)),
            )
            for s, ts, m in (self.snapshot() if snapshot is None else snapshot)
        ]


def anneal_frames(
    pool: _Pool,
    groups: list[Group],
    deadline: float,
    *,
    steps: int | None = None,
    hot: float = 1.0,
    cold: float = 0.05,
    seed: int = 0,
) -> list[Group]:
    """Simulated annealing over tutees and frames (see the module's docstring), maximising
    friend pairs; the best groups seen are returned. Given `steps`, seeded and repeatable."""
    state = FrameState(pool, groups, seed)
    best, best_groups = state.value, state.snapshot()
    started = time.perf_counter()
    span = max(deadline - started, 1e-9)
    temperature = hot
    step = 0
    while state.placed:
        step += 1
        if steps is not None:
            if step > steps:
                break
            temperature = hot * (cold / hot) ** (step / steps)
        elif step % 256 == 0:
            now = time.perf_counter()
            if now >= deadline:
                break
            temperature = hot * (cold / hot) ** ((now - started) / span)
        if state.step(temperature) and state.value > best:
            best, best_groups = state.value, state.snapshot()
    return state.groups(best_groups)
