# Minimum mutator utilisation (Cheng & Blelloch 2001) against window length, from the shortest
# pause to the whole run. Data: DATA.mmu.COLLECTOR.dat, columns: window (ms), MMU (0..1).
# A marker on each curve's first point (pi: one point in 100000): a run without pauses has a
# curve of one point (MMU 1 at the whole run), which a line alone would not show.
load style
set title sprintf("%s: minimum mutator utilisation (%s)", wl, heaplabel)
set xlabel "window length (ms, log scale)"
set ylabel "minimum mutator utilisation"
set logscale x
set format x "10^{%L}"
set yrange [0:1.02]
set key bottom right
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  plot for [i=1:words(collectors)] data.".mmu.".word(collectors, i).".dat" using 1:2 with linespoints lt ltof(word(collectors, i)) pi 100000 title word(collectors, i)
}
