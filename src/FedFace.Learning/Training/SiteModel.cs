using System.Diagnostics;
using FedFace.Core;
using FedFace.Learning.Backbones;
using FedFace.Learning.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>
/// One site's model: the shared MobileFaceNet backbone (replaced by the global model each round) and the site's
/// private ArcFace head over its own identities, which persists between rounds and never leaves the site:
/// only <see cref="ExportBackbone"/> produces anything meant for the wire. Not thread-safe.
/// </summary>
public sealed class SiteModel : IDisposable
{
    private readonly MobileFaceNet _backbone;
    private readonly ArcFaceHead _head;
    private bool _disposed;

    public SiteModel(int classCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        _backbone = new MobileFaceNet(seed);
        // A different stream for the head, so it is not drawn from the same numbers as the first convolution.
        _head = new ArcFaceHead(classCount, seed: ((long)seed << 1) ^ 0x5EED);
    }

    public int ClassCount => _head.ClassCount;

    internal MobileFaceNet Backbone => _backbone;

    internal ArcFaceHead Head => _head;

    /// <summary>Replaces the backbone's weights with the global model's (strict: names and shapes must match).</summary>
    public void LoadGlobal(ModelState global)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BackboneState.Import(_backbone, global);
    }

    public ModelState ExportBackbone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return BackboneState.Export(_backbone);
    }

    /// <summary>
    /// Trains backbone and head together on the site's faces: shuffled batches with random horizontal flips,
    /// SGD with momentum and weight decay. A new optimizer per call: momentum does not carry over between rounds,
    /// since the backbone it belonged to has been replaced by the aggregate. A final batch of one image is skipped
    /// (BatchNorm cannot normalise a single sample in training mode).
    /// </summary>
    public LocalTrainingReport Train(FaceTrainingSet data, LocalTrainingOptions options, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        data.Validate();
        options.Validate();
        if (data.ClassCount != _head.ClassCount)
        {
            throw new ArgumentException($"the training set has {data.ClassCount} classes, this site's head {_head.ClassCount}");
        }
        if (data.ImageCount < 2)
        {
            throw new ArgumentException($"training needs at least 2 images, got {data.ImageCount}");
        }
        _head.SetMargin(options.ArcFaceScale, options.ArcFaceMargin);

        var stopwatch = Stopwatch.StartNew();
        using optim.Optimizer optimizer = optim.SGD(
            _backbone.parameters().Concat(_head.parameters()),
            options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay);
        _backbone.train();
        _head.train();
        var batches = new BatchSampler(data, options.BatchSize, options.Seed);
        var epochLosses = new List<double>();
        double lossSum = 0;
        int steps = 0;
        long examples = 0;
        for (int epoch = 0; epoch < options.Epochs && !CapReached(); epoch++)
        {
            double epochSum = 0;
            int epochSteps = 0;
            foreach ((float[] pixels, long[] labels) in batches.NextEpoch())
            {
                cancellationToken.ThrowIfCancellationRequested();
                double loss = Step(optimizer, pixels, labels);
                if (!double.IsFinite(loss))
                {
                    throw new InvalidOperationException(
                        $"the training loss became {loss} at step {steps + 1}; lower the learning rate or the ArcFace scale");
                }
                epochSum += loss;
                epochSteps++;
                lossSum += loss;
                steps++;
                examples += labels.Length;
                if (CapReached())
                {
                    break;
                }
            }
            epochLosses.Add(epochSum / epochSteps);
        }
        return new LocalTrainingReport(lossSum / steps, epochLosses[0], epochLosses[^1], steps, examples, stopwatch.Elapsed.TotalSeconds);

        bool CapReached() => options.MaxSteps > 0 && steps >= options.MaxSteps;
    }

    private double Step(optim.Optimizer optimizer, float[] pixels, long[] labels)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor faces = tensor(pixels, [labels.Length, 3, MobileFaceNet.InputSize, MobileFaceNet.InputSize]);
        Tensor targets = tensor(labels);
        optimizer.zero_grad();
        Tensor loss = _head.Loss(_backbone.call(faces), targets);
        float value = loss.item<float>();
        if (float.IsFinite(value)) // never step on a non-finite loss: it would poison the head, which persists
        {
            loss.backward();
            optimizer.step();
        }
        return value;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _backbone.Dispose();
        _head.Dispose();
    }
}
