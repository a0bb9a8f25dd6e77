# Footprint over time for one representative run per collector: heap bytes in use by the
# collector's own accounting (solid) and the process's resident set (thin, same colour).
# Data: DATA.footprint.COLLECTOR.dat, columns: time (s), heap in use (MiB), jemalloc resident (MiB), RSS (MiB).
load style
set title sprintf("%s: footprint over time (%s)", wl, heaplabel)
set xlabel "time since the start of the run (s)"
set ylabel "MiB"
set yrange [0:*]
set key top left
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  plot for [i=1:words(collectors)] data.".footprint.".word(collectors, i).".dat" using 1:2 with lines lt ltof(word(collectors, i)) title word(collectors, i)." heap in use", \
       for [i=1:words(collectors)] data.".footprint.".word(collectors, i).".dat" using 1:4 with lines lt ltof(word(collectors, i)) lw 0.8 dt 3 title word(collectors, i)." RSS"
}
