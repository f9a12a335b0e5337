% SPDX-License-Identifier: GPL-3.0-or-later

function p = fuzz_tmp(name)
%FUZZ_TMP  A path for NAME in the fuzzer's scratch folder.
%   The folder is $NCUFM_FUZZ_TMP (one per Octave process, removed by the
%   driver), else tempdir.
  d = getenv('NCUFM_FUZZ_TMP');
  if isempty(d)
    d = tempdir();
  end
  p = fullfile(d, name);
end
