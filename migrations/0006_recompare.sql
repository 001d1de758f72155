-- 0006: stored template comparisons are computed again.
--
-- Identical templates now pair before anything else (a `.txt` template without columns had
-- nothing to pair on, and an unchanged one was reported removed and added). Comparisons are
-- derived data: the next writable open computes the missing ones, as after 0005.
DELETE FROM tree_comparison;
