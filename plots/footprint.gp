# Footprint over time for one representative run per collector, in the collector's colour: heap
# bytes in use by the collector's own accounting (solid), jemalloc's resident bytes for the heap's
# arena (dashed), the process's resident set (dotted), and the bytes reachable when the workload
# ended, from the final census (a filled point).
# Data: DATA.footprint.COLLECTOR.dat, columns: time (s), heap in use (MiB), jemalloc resident (MiB),
# RSS (MiB); DATA.live.COLLECTOR.dat: end of the run (s), live bytes (MiB).
load style
set title sprintf("%s: footprint over time (%s)", wl, heaplabel)
set xlabel "time since the start of the run (s)"
set ylabel "MiB"
set yrange [0:*]
set key outside bottom center horizontal maxrows 4 samplen 2 font ",10"
set bmargin 9
do for [fmt in formats] {
  eval term(fmt)
  set output out.".".fmt
  plot for [i=1:words(collectors)] data.".footprint.".word(collectors, i).".dat" using 1:2 with lines lt ltof(word(collectors, i)) title word(collectors, i)." heap in use", \
       for [i=1:words(collectors)] data.".footprint.".word(collectors, i).".dat" using 1:3 with lines lt ltof(word(collectors, i)) lw 0.8 dt 2 title word(collectors, i)." jemalloc resident", \
       for [i=1:words(collectors)] data.".footprint.".word(collectors, i).".dat" using 1:4 with lines lt ltof(word(collectors, i)) lw 0.8 dt 3 title word(collectors, i)." RSS", \
       for [i=1:words(collectors)] data.".live.".word(collectors, i).".dat" using 1:2 with points lt ltof(word(collectors, i)) pt 7 ps 1.2 title word(collectors, i)." live at end (census)"
}
