## -*- texinfo -*-
## @deftypefn {} {@var{files} =} nc_fig_save (@var{f}, @var{out}, @var{name})
## Prints figure @var{f} to @file{@var{out}/@var{name}.png} and
## @file{@var{out}/@var{name}.svg}, closes it and returns the two file names.
## Each file is written under a temporary name and renamed, so an
## interrupted run never leaves a half-written picture.
## @seealso{nc_fig_new, nc_figures}
## @end deftypefn
function files = nc_fig_save (f, out, name)
  files = {fullfile(out, [name ".png"]), fullfile(out, [name ".svg"])};
  ## pngcairo: gnuplot's own antialiased PNG; -dpng would need Ghostscript.
  devices = {"-dpngcairo", "-dsvg"};
  for i = 1:2
    tmp = [files{i} ".part"];
    print (f, devices{i}, tmp);
    [ok, msg] = rename (tmp, files{i});
    if (ok != 0)
      error ("ncufm:figureWrite", "nc_fig_save: cannot write %s: %s", files{i}, msg);
    endif
  endfor
  close (f);
endfunction
