# Shared style of gclab's figures: print-sized, labelled, with the Okabe-Ito palette (readable
# with every common colour-vision deficiency) plus dash patterns, so figures survive greyscale.
# Every script is called as
#   gnuplot -e "data='DIR/plots/data/WORKLOAD'; out='DIR/plots/WORKLOAD-FIGURE'; collectors='rc marksweep'; \
#               wl='WORKLOAD'; heaplabel='2× min heap'; multiple=1; style='plots/style.gp'" plots/FIGURE.gp
# and writes out.pdf, out.svg and out.png (compare and merge also set allcollectors='...', see
# below). The data files are written by `gclab merge`/`compare` (docs/experiments.md lists
# their columns).
set encoding utf8
formats = "pdf svg png"
term(f) = f eq "pdf" ? "set terminal pdfcairo size 5.0in,3.2in font 'Helvetica,10' linewidth 1.2 rounded" : \
          f eq "svg" ? "set terminal svg size 900,576 font 'Helvetica,13' linewidth 1.2 rounded dynamic background '#ffffff'" : \
                       "set terminal pngcairo size 1200,768 font 'Helvetica,15' linewidth 1.5 rounded"
set linetype 1 lc rgb '#0072B2' lw 2 dt 1 pt 7
set linetype 2 lc rgb '#D55E00' lw 2 dt 2 pt 5
set linetype 3 lc rgb '#009E73' lw 2 dt 4 pt 9
set linetype 4 lc rgb '#CC79A7' lw 2 dt 5 pt 11
set linetype 5 lc rgb '#E69F00' lw 2 dt 3 pt 13
set linetype 6 lc rgb '#56B4E9' lw 2 dt 6 pt 3
set linetype 7 lc rgb '#000000' lw 2 dt 1 pt 1
set linetype 8 lc rgb '#F0E442' lw 2 dt 2 pt 2
set linetype cycle 8
# A collector keeps its line type (colour, dashes, points) in every figure of an experiment: the
# one of its place in `allcollectors` (every collector of the experiment; `collectors` when not
# given), not its place in one figure's `collectors`, which leave out those without data.
if (!exists("allcollectors")) allcollectors = collectors
ltof(c) = sum [k=1:words(allcollectors)] (word(allcollectors, k) eq c ? k : 0)
set border 3
set tics nomirror out
set grid back lc rgb '#dddddd' lw 0.5
set key noopaque samplen 2.5 spacing 1.1
set datafile missing "NaN"
