## -*- texinfo -*-
## @deftypefn {} {} nc_fig_progress (@var{P}, @var{tag}, @var{done}, @var{total}, @var{t0}, @var{what})
## One progress line of a figure script: which unit just finished
## (@var{what}), how many of @var{total} are done, the time since
## @code{@var{t0} = tic} and the time left, extrapolated from the units done
## so far.  Units served from the cache count as done, so on a rerun the
## estimate is pessimistic at first and tightens as computed units arrive.
## Silent when @code{@var{P}.verbose} is false.
## @end deftypefn
function nc_fig_progress (P, tag, done, total, t0, what)
  if (! P.verbose)
    return;
  endif
  el = toc (t0);
  left = el / max (done, 1) * (total - done);
  printf ("  [%s] %3d/%-3d %-40s %8s elapsed, ~%s left\n", tag, done, total, what, ...
          nc_fig_duration (el), nc_fig_duration (left));
  fflush (stdout);
endfunction
