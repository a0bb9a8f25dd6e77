# Linear scaling of marksweep (docs/performance.md): GC pause time per collection per live MiB
# against the live heap size, one colour per scaling workload (cache: a randomly laid-out heap;
# trees: a heap in allocation order). Open points: one per run; solid line with filled points:
# the median per size; dashed line of the same colour: that workload's target bound, 1.5 times its
# smallest median. (The medians scaled by the CPU share are in the table and the median files,
# column 3; drawn too, they made the figure unreadable.)
# Called by gclab-bench scaling as
#   gnuplot -e "data='DIR/scaling'; out='DIR/scaling'; workloads='cache trees'; \
#               bounds='BOUND_CACHE BOUND_TREES'; allworkloads='cache trees'; \
#               collectors='marksweep'; style='SRC/plots/style.gp'" bench/scaling.gp
# Data, per workload W of `workloads`: DATA-W.runs.dat (live MiB, ns per live MiB, mean pause ms,
#       collections, peak RSS MiB, CPU share) and DATA-W.median.dat (live MiB, median ns per live
#       MiB, median scaled by the CPU share); `bounds` holds the bound of each, in the same order,
#       in ns per live MiB. Writes OUT.pdf, OUT.svg and OUT.png.
load style
set title "marksweep: GC time per collection per live MiB"
set xlabel "live heap (MiB, log scale)"
set ylabel "pause time per live MiB (µs)"
set logscale x
# The x range: from half the smallest live size measured to twice the largest (log scale), so
# that no point sits on a border whatever --sizes asked for.
xlo = 1e30; xhi = 0
do for [i=1:words(workloads)] {
  stats data."-".word(workloads, i).".runs.dat" using 1 nooutput
  xlo = STATS_min < xlo ? STATS_min : xlo
  xhi = STATS_max > xhi ? STATS_max : xhi
}
set xrange [xlo/2:xhi*2]
set yrange [0:*]
set key top left vertical maxrows 3 reverse Left
set offsets graph 0, graph 0, graph 0.3, 0
n = words(workloads)
# A workload keeps its colour and points whichever workloads have data: those of its place in
# `allworkloads` (every workload of the table; `workloads` when not given).
if (!exists("allworkloads")) allworkloads = workloads
place(w) = sum [k=1:words(allworkloads)] (word(allworkloads, k) eq w ? k : 0)
run_pt(i) = i == 1 ? 6 : i == 2 ? 4 : 8    # open circle, open square, open triangle
median_pt(i) = i == 1 ? 7 : i == 2 ? 5 : 9 # the same, filled
# The plot command is built per workload, so that the key lists each workload's three entries
# together, one key column per workload (`plot for` would group them by kind instead).
cmd = "plot "
do for [i=1:n] {
  w = word(workloads, i)
  file = data."-".w
  k = place(w)
  cmd = cmd.sprintf("'%s.runs.dat' using 1:($2/1000) with points lc %d pt %d title '%s: one run', ", \
                    file, k, run_pt(k), w)
  cmd = cmd.sprintf("'%s.median.dat' using 1:($2/1000) with linespoints lc %d dt 1 lw 2 pt %d title '%s: median', ", \
                    file, k, median_pt(k), w)
  cmd = cmd.sprintf("%s/1000.0 with lines lc %d dt 2 lw 1 title '%s: bound, 1.5 × its smallest median'", \
                    word(bounds, i), k, w).(i < n ? ", " : "")
}
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  eval cmd
}
