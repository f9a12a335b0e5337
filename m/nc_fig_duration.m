## -*- texinfo -*-
## @deftypefn {} {@var{s} =} nc_fig_duration (@var{seconds})
## A duration as "3.2 s", "4 min 10 s" or "1 h 5 min" (the C core's
## nc_format_duration, for the Octave side of the figure scripts).
## @end deftypefn
function s = nc_fig_duration (t)
  if (t < 59.95)
    s = sprintf ("%.1f s", t);
    return;
  endif
  t = round (t);
  if (t < 3600)
    s = sprintf ("%d min %d s", floor (t / 60), round (mod (t, 60)));
  else
    s = sprintf ("%d h %d min", floor (t / 3600), round (mod (t, 3600) / 60));
  endif
endfunction

%!assert (nc_fig_duration (3.21), "3.2 s")
%!assert (nc_fig_duration (250), "4 min 10 s")
%!assert (nc_fig_duration (3900), "1 h 5 min")
