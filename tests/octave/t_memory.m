% SPDX-License-Identifier: GPL-3.0-or-later

% Requests whose memory follows from the arguments are refused before
% anything is allocated, with ncufm:tooLarge naming the size asked and the
% limit: physical memory, or the process limits (ulimit -v).  The sizes
% below follow from the outputs' shapes (8 bytes per double).

%!function check_too_large (call, want)
%!  try
%!    call ();
%!    error ('no error');
%!  catch err
%!    assert (err.identifier, 'ncufm:tooLarge', err.message);
%!    assert (~ isempty (strfind (err.message, want)), err.message);
%!  end
%!endfunction

%!test  % nc_limit: 32 x 32 cosines for each of 1e7 points: 87.4 GB of outputs
%! check_too_large (@() nc_limit (ones (1, 32), ones (1, 32), 5, 1:1e7, 0.01), ...
%!                  'would need 87.4 GB (87360000000 bytes)');
%!test  % nc_ufm_train: d = 1e7, N = 200: H and its two companions alone are 48 GB
%! check_too_large (@() nc_ufm_train ([100 100], 1e7, 1e-3, 1e-4, 0.01, 'MaxIter', 1), ...
%!                  'more than the');
%!test  % a history of 1e6 records of 1000 x 1000: 8 TB
%! check_too_large (@() nc_ufm_train (2 * ones (1, 1000), 4, 1e-3, 1e-4, 0.01, ...
%!                                   'MaxIter', 1e6, 'HistoryEvery', 1), 'the history');
%!test  % the process limit counts, not only physical memory: under ulimit -v of
%!      % 3 GB, a 4 GB run is refused naming RLIMIT_AS (in a child Octave)
%! root = fileparts (fileparts (which ('nc_setup')));
%! cmd = sprintf (['ulimit -v 3000000; octave-cli --no-gui --norc --quiet --eval ' ...
%!                 '"addpath(''%s/m''); nc_setup; try, nc_ufm_train([1000 1000], ' ...
%!                 '50000, 1e-3, 1e-4, 0.01, ''MaxIter'', 1); catch e, ' ...
%!                 'fprintf(''%%s\\n%%s\\n'', e.identifier, e.message); end" 2>&1'], root);
%! [status, out] = system (cmd);
%! assert (~ isempty (strfind (out, 'ncufm:tooLarge')), out);
%! assert (~ isempty (strfind (out, 'RLIMIT_AS (ulimit -v)')), out);
