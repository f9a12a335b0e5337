% SPDX-License-Identifier: GPL-3.0-or-later

function fuzz_batch(casefile)
%FUZZ_BATCH  Runs the fuzzer's calls listed in CASEFILE, reporting on stdout.
%   Each line of CASEFILE is "index<TAB>setup<TAB>call".  For each, prints
%   "@@FUZZ B index" before and "@@FUZZ E index status identifier message"
%   after (status ok, err, or setup when building the arguments failed),
%   flushing both, so that the driver knows which call a hang or a crash
%   interrupted.  Ends with "@@FUZZ DONE".
  warning('off', 'all');
  fid = fopen(casefile, 'r');
  tab = sprintf('\t');
  while true
    line = fgetl(fid);
    if ~ischar(line)
      break;
    end
    parts = regexp(line, tab, 'split');
    emit(sprintf('@@FUZZ B %s', parts{1}));
    [status, id, msg] = run_one(parts{2}, parts{3});
    msg = regexprep(msg, '\s+', ' ');
    if isempty(id)
      id = '-';
    end
    emit(sprintf('@@FUZZ E %s %s %s %s', parts{1}, status, id, msg(1:min(end, 300))));
  end
  fclose(fid);
  emit('@@FUZZ DONE');
end

function emit(text)
  fprintf('\n%s\n', text);
  if exist('OCTAVE_VERSION', 'builtin')
    fflush(stdout);
  end
end

% In its own workspace, so that no call sees another's variables.
function [status__, id__, msg__] = run_one(setup__, call__)
  status__ = 'ok';
  id__ = '';
  msg__ = '';
  try
    eval(setup__);
  catch err__
    status__ = 'setup';
    id__ = err__.identifier;
    msg__ = err__.message;
    return;
  end
  try
    eval(call__);
  catch err__
    status__ = 'err';
    id__ = err__.identifier;
    msg__ = err__.message;
  end
end
