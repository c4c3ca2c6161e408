"""BlurPool's padding keeps the CNN's channels-last memory and gives exactly F.pad's numbers."""

import torch
import torch.nn.functional as F

from core.lab.models import CNN


def test_circular_blurpool_pads_in_channels_last_memory_and_gives_the_numbers_of_f_pad():
    torch.manual_seed(0)
    x = torch.randn(4, 16, 28, 28).contiguous(memory_format=torch.channels_last)
    for padding, mode in (("circular", "circular"), ("zero", "constant")):
        pool = CNN(padding=padding, downsample="blurpool").relu_pool1
        for sides in ((0, 1, 0, 1), (1, 1, 1, 1)):
            padded = pool.pad(x, sides)
            assert padded.is_contiguous(memory_format=torch.channels_last), (padding, sides)
            assert torch.equal(padded, F.pad(x, sides, mode=mode))
        # The whole stage against the same computation written with F.pad (channels-first where circular).
        maxed = F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode=mode), 2, stride=1)
        blurred = F.conv2d(F.pad(F.relu(maxed), (1, 1, 1, 1), mode=mode), pool.blur, stride=2, groups=16)
        assert torch.equal(pool(x), blurred), padding
