using FedFace.Learning.Backbones;

namespace FedFace.Learning.Training;

/// <summary>
/// Cuts a training set into shuffled mini-batches, flipping each image left-right with probability ½, when the set
/// has masked renderings taking an image's masked rendering with the given probability, and jittering it by the
/// <see cref="FaceAugmentation"/> (if any). One seeded generator drives them all, so a seed fixes the whole sequence of
/// batches across epochs; without masked renderings (or at probability 0) and without augmentation no draw is made for
/// them, so those batches are the same as before the options existed.
/// With <c>withUnmaskedTwins</c> each batch also carries every face unmasked and flipped alike (a distillation teacher's input).
/// </summary>
internal sealed class BatchSampler
{
    private const int Side = FaceBackbone.InputSize;

    private readonly FaceTrainingSet _data;
    private readonly int _batchSize;
    private readonly Random _random;
    private readonly int[] _order;
    private readonly float[] _pixels;
    private readonly float[]? _unmaskedTwins;
    private readonly float _maskedProbability;
    private readonly FaceAugmentation? _augmentation;

    public BatchSampler(FaceTrainingSet data, int batchSize, ulong seed, float maskedProbability = 0, bool withUnmaskedTwins = false,
        FaceAugmentation? augmentation = null)
    {
        _data = data;
        _augmentation = augmentation is { IsNone: false } ? augmentation : null;
        _maskedProbability = data.MaskedPixels is null ? 0 : maskedProbability;
        _batchSize = batchSize;
        _random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        _order = Enumerable.Range(0, data.ImageCount).ToArray();
        _pixels = new float[Math.Min(batchSize, data.ImageCount) * FaceTrainingSet.ValuesPerImage];
        _unmaskedTwins = withUnmaskedTwins ? new float[_pixels.Length] : null;
    }

    /// <summary>Batches in each epoch: as many as full batches need to hold every image (none for fewer than two images).</summary>
    public int BatchesPerEpoch => _order.Length < 2 ? 0 : (_order.Length + _batchSize - 1) / _batchSize;

    /// <summary>
    /// One pass over every image in a fresh random order, in <see cref="BatchesPerEpoch"/> batches whose sizes differ by at
    /// most one (130 images in batches of up to 32: five of 26, not four full ones and a rest of 2). A rest of two or three
    /// images is a BatchNorm batch whose statistics are mostly noise: in E2 at seed 8 every spike of the backbone gradient,
    /// up to 65,170 against a median of 7-12, came from such a last batch (lab/RESULTS.md, E2). The pixels of every batch live in
    /// one buffer that the next batch overwrites: copy them out (<see cref="FaceBatch.ToTensor"/>) before asking for the
    /// next. A fresh 5 MB array per batch cost ~15% of a training step in GC and page faults.
    /// <c>UnmaskedTwins</c> is empty unless the sampler was made with them.
    /// </summary>
    public IEnumerable<(ReadOnlyMemory<float> Pixels, ReadOnlyMemory<float> UnmaskedTwins, long[] Labels)> NextEpoch()
    {
        _random.Shuffle(_order);
        int batches = BatchesPerEpoch;
        for (int batch = 0, start = 0; batch < batches; batch++)
        {
            int count = _order.Length / batches + (batch < _order.Length % batches ? 1 : 0);
            long[] labels = new long[count];
            for (int i = 0; i < count; i++)
            {
                int image = _order[start + i];
                labels[i] = _data.Labels[image];
                bool flip = _random.Next(2) == 1;
                bool masked = _maskedProbability > 0 && _random.NextSingle() < _maskedProbability;
                FaceJitter? jitter = _augmentation?.Draw(_random);
                CopyImage(masked ? _data.MaskedPixels! : _data.Pixels, image, _pixels.AsSpan(i * FaceTrainingSet.ValuesPerImage, FaceTrainingSet.ValuesPerImage), flip, jitter);
                if (_unmaskedTwins is not null)
                {
                    // The teacher sees the same face, flipped and jittered alike.
                    CopyImage(_data.Pixels, image, _unmaskedTwins.AsSpan(i * FaceTrainingSet.ValuesPerImage, FaceTrainingSet.ValuesPerImage), flip, jitter);
                }
            }
            int values = count * FaceTrainingSet.ValuesPerImage;
            start += count;
            yield return (_pixels.AsMemory(0, values), _unmaskedTwins is null ? ReadOnlyMemory<float>.Empty : _unmaskedTwins.AsMemory(0, values), labels);
        }
    }

    private static void CopyImage(float[] rendering, int image, Span<float> destination, bool flip, FaceJitter? jitter)
    {
        ReadOnlySpan<float> source = rendering.AsSpan(image * FaceTrainingSet.ValuesPerImage, FaceTrainingSet.ValuesPerImage);
        if (jitter is { } drawn)
        {
            drawn.Apply(source, destination, flip);
            return;
        }
        if (!flip)
        {
            source.CopyTo(destination);
            return;
        }
        // CHW layout: a horizontal flip reverses every row of every channel.
        for (int row = 0; row < source.Length; row += Side)
        {
            Span<float> target = destination.Slice(row, Side);
            source.Slice(row, Side).CopyTo(target);
            target.Reverse();
        }
    }
}
