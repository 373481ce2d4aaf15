using System.Diagnostics;
using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Backbones;
using FedFace.Learning.Heads;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>
/// One site's model: the shared backbone (replaced by the global model each round) and the site's
/// private ArcFace head over its own identities, which never leaves the site: only <see cref="ExportBackbone"/> and
/// <see cref="ComputeDelta"/> produce anything meant for the wire. Not thread-safe.
/// </summary>
public sealed class SiteModel : IDisposable
{
    /// <summary>Faces per forward pass when embedding without gradients (head initialisation, validation).</summary>
    private const int EvaluationBatchSize = 64;

    private readonly FaceBackbone _backbone;
    private readonly bool _ownsBackbone;
    private readonly ArcFaceHead _head;
    private readonly SiteLocalState _local;
    private bool _disposed;

    /// <param name="architecture">The backbone the federation trains (the global model's: <see cref="BackboneArchitecture.Of"/>); MobileFaceNet when null.</param>
    public SiteModel(int classCount, int seed, BackboneArchitecture? architecture = null)
        : this((architecture ?? BackboneArchitecture.MobileFaceNet).Create(seed), ownsBackbone: true, classCount, seed)
    {
    }

    private SiteModel(FaceBackbone backbone, bool ownsBackbone, int classCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        _backbone = backbone;
        _ownsBackbone = ownsBackbone;
        // A different stream for the head, so it is not drawn from the same numbers as the first convolution.
        _head = new ArcFaceHead(classCount, seed: ((long)seed << 1) ^ 0x5EED, embeddingSize: _backbone.EmbeddingSize);
        _local = new SiteLocalState(_backbone, _head);
    }

    /// <summary>
    /// A site's model on a backbone it borrows (a simulation worker's, reused for many sites; not disposed with this):
    /// the head and BatchNorm the site kept from its last round (<see cref="SaveState"/>), or, with no state, a new head
    /// drawn from <paramref name="seed"/> exactly as <see cref="SiteModel(int, int, BackboneArchitecture?)"/> draws it.
    /// Nothing of the backbone's previous user survives <see cref="LoadGlobal"/>: every weight and running statistic is
    /// the global model's (or this site's, under FedBN) and the BatchNorm batch counters restart.
    /// </summary>
    public static SiteModel OnBorrowedBackbone(FaceBackbone backbone, int classCount, int seed, SiteModelState? state)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var model = new SiteModel(backbone, ownsBackbone: false, classCount, seed);
        if (state is not null)
        {
            try
            {
                model._local.Restore(state);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        return model;
    }

    /// <summary>
    /// What the site keeps between rounds when its network is borrowed: its head's weights and, when the last load kept
    /// BatchNorm local (FedBN), its BatchNorm tensors. Nothing here is meant for the wire.
    /// </summary>
    public SiteModelState SaveState()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _local.Save();
    }

    public int ClassCount => _head.ClassCount;

    internal FaceBackbone Backbone => _backbone;

    internal ArcFaceHead Head => _head;

    /// <summary>
    /// Replaces the backbone's weights with the global model's (strict: names and shapes must match). With
    /// <paramref name="keepBatchNormLocal"/> (FedBN) the site's BatchNorm weights, biases and running statistics stay
    /// as they are, except at the very first load, when the site has none of its own yet; <see cref="ComputeDelta"/>
    /// then reports them unchanged.
    /// </summary>
    public void LoadGlobal(ModelState global, bool keepBatchNormLocal = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(global);
        _local.LoadGlobal(global, keepBatchNormLocal);
    }

    public ModelState ExportBackbone()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return BackboneState.Export(_backbone);
    }

    /// <summary>
    /// The update to send: local backbone − <paramref name="global"/>, head excluded. After a FedBN load every
    /// BatchNorm tensor's delta is zero. The wire carries every backbone tensor, so this is how FedBN is expressed on
    /// it: FedAvg then leaves the global BatchNorm untouched only if every site keeps BatchNorm local, since another
    /// site's non-zero BN delta is still averaged in (diluted by the zeros).
    /// </summary>
    public ModelState ComputeDelta(ModelState global) => _local.WithoutLocalChanges(ExportBackbone().Minus(global));

    /// <summary>
    /// Trains backbone and head together on the site's faces: shuffled batches with random horizontal flips, the
    /// optimiser and learning-rate schedule of <paramref name="options"/>, optionally a FedProx term, frozen leading
    /// stages and a person-stratified validation split with early stopping. A new optimiser per call: momentum does not
    /// carry over between rounds, since the backbone it belonged to has been replaced by the aggregate. A final batch
    /// of one image is skipped (BatchNorm cannot normalise a single sample in training mode). <paramref name="afterEpoch"/>
    /// is told each epoch's number as it ends (the centralized baseline keeps its last models there).
    /// </summary>
    public LocalTrainingReport Train(FaceTrainingSet data, TrainingPlan options, CancellationToken cancellationToken = default,
        Action<int>? afterEpoch = null)
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
        (FaceTrainingSet training, FaceTrainingSet? validation) = options.ValidationFraction > 0
            ? ValidationSplit.PerPerson(data, options.ValidationFraction, options.Seed)
            : (data, null);
        using ReceivedStatistics? received = options.ReportsReceivedModelStatistics ? MeasureBatchNormStatistics(data) : null;
        LocalTrainingReport report = Train(training, validation, options, cancellationToken, afterEpoch);
        received?.PutBack();
        return report; // no malloc_trim here: see NativeMemory
    }

    /// <summary>Trains on <paramref name="training"/>, measuring <paramref name="validation"/> (if any) after every epoch.</summary>
    internal LocalTrainingReport Train(FaceTrainingSet training, FaceTrainingSet? validation, TrainingPlan options, CancellationToken cancellationToken = default,
        Action<int>? afterEpoch = null)
    {
        IReadOnlyList<(string Name, nn.Module Module)> stages = BackboneParts.Stages(_backbone);
        if (options.FrozenStages > stages.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FrozenStages, $"FrozenStages must be at most {stages.Count}, the backbone's stage count");
        }
        _head.SetMargin(options.MarginKind, options.ArcFaceScale, options.Margin);
        var stopwatch = Stopwatch.StartNew();
        if (training.ImageCount < 2)
        {
            throw new ArgumentException($"training needs at least 2 images, got {training.ImageCount}");
        }
        if (options.InitializeHeadFromMeans)
        {
            InitializeHeadFromMeans(training); // from the training part only: the validation faces stay unseen
        }

        nn.Module[] frozen = stages.Take(options.FrozenStages).Select(s => s.Module)
            .Concat(options.FreezeBatchNormStatistics ? _backbone.modules().Where(m => m is BatchNorm1d or BatchNorm2d or BatchNorm3d) : []).ToArray();
        List<(string Name, Parameter Parameter)> trainable = MarkTrainable(stages.Take(options.FrozenStages).Select(s => s.Name));
        _head.Weight.requires_grad = !options.FreezeHead;
        using optim.Optimizer optimizer = OptimizerFactory.Create(
            trainable.Select(p => p.Parameter).Concat(options.FreezeHead ? [] : _head.parameters()), options);
        // FedProx pulls towards the global model; under FedBN the BatchNorm parameters are not global, so they are left out.
        using ProximalTerm? proximal = options.FedProxMu > 0
            ? new ProximalTerm(trainable.Where(p => !(options.KeepBatchNormLocal && _local.IsBatchNorm(p.Name))).Select(p => p.Parameter), options.FedProxMu)
            : null;
        using Distillation? distillation = options.DistillationWeight > 0 ? new Distillation(_backbone, options.DistillationWeight) : null;
        var clipping = options.GradientClipNorm > 0 ? new GradientClipping(trainable.Select(p => p.Parameter).ToArray(), options.GradientClipNorm) : null;
        var batches = new BatchSampler(training, options.BatchSize, options.Seed, options.MaskedFaceProbability, withUnmaskedTwins: distillation is not null,
            FaceAugmentation.Of(options));
        int plannedSteps = options.LocalEpochs * batches.BatchesPerEpoch;
        var schedule = LearningRateSchedule.For(options, options.MaxSteps > 0 ? Math.Min(options.MaxSteps, plannedSteps) : plannedSteps);
        var stopping = new EarlyStopping(options.EarlyStoppingPatience);
        using var bestWeights = new WeightsSnapshot();

        var epochLosses = new List<double>();
        var validationLosses = new List<double>();
        double lossSum = 0;
        long rankedFirst = 0;
        int steps = 0;
        long examples = 0;
        bool stoppedEarly = false;
        for (int epoch = 1; epoch <= options.LocalEpochs && !CapReached() && !stoppedEarly; epoch++)
        {
            EnterTrainingMode(frozen);
            double epochSum = 0;
            int epochSteps = 0;
            foreach ((ReadOnlyMemory<float> pixels, ReadOnlyMemory<float> unmaskedTwins, long[] labels) in batches.NextEpoch())
            {
                cancellationToken.ThrowIfCancellationRequested();
                OptimizerFactory.SetLearningRate(optimizer, schedule.RateAt(steps));
                (double loss, long correct) = Step(optimizer, proximal, distillation, clipping, pixels, unmaskedTwins, labels, options.LabelSmoothing);
                if (!double.IsFinite(loss))
                {
                    throw new InvalidOperationException(
                        $"the training loss became {loss} at step {steps + 1}; lower the learning rate or the logit scale");
                }
                epochSum += loss;
                epochSteps++;
                lossSum += loss;
                rankedFirst += correct;
                steps++;
                examples += labels.Length;
                if (CapReached())
                {
                    break;
                }
            }
            epochLosses.Add(epochSum / epochSteps);
            if (validation is not null)
            {
                double validationLoss = MeanLoss(validation);
                validationLosses.Add(validationLoss);
                // Early only if epochs were left to run: a last epoch that did not improve is no early stop.
                stoppedEarly = stopping.ShouldStop(epoch, validationLoss) && epoch < options.LocalEpochs && !CapReached();
                if (options.EarlyStoppingPatience > 0 && stopping.IsBest(epoch))
                {
                    bestWeights.Take(_backbone, _head);
                }
            }
            afterEpoch?.Invoke(epoch);
        }
        if (options.EarlyStoppingPatience > 0 && validation is not null && stopping.BestEpoch != epochLosses.Count)
        {
            bestWeights.Restore(_backbone, _head); // a later epoch was worse on the held-out faces
        }
        return new LocalTrainingReport(lossSum / steps, epochLosses[0], epochLosses[^1], steps, examples, stopwatch.Elapsed.TotalSeconds,
            EpochsRun: epochLosses.Count, StoppedEarly: stoppedEarly, BestEpoch: stopping.BestEpoch, ValidationLosses: validationLosses)
        {
            ClippedSteps = clipping?.ClippedSteps ?? 0,
            Accuracy = (double)rankedFirst / examples,
            LargestGradientNorm = clipping?.LargestNorm,
            TorchThreads = get_num_threads(),
        };

        bool CapReached() => options.MaxSteps > 0 && steps >= options.MaxSteps;
    }

    /// <summary>Mean margin loss over <paramref name="data"/>, BatchNorm from running statistics, no flips: the validation metric.</summary>
    internal double MeanLoss(FaceTrainingSet data)
    {
        using DisposeScope scope = NewDisposeScope();
        using var noGrad = no_grad();
        (Tensor embeddings, Tensor labels) = Embed(data);
        return _head.Loss(embeddings, labels).item<float>();
    }

    /// <summary>Every class centre := the person's mean normalised embedding under the current backbone.</summary>
    internal void InitializeHeadFromMeans(FaceTrainingSet data)
    {
        using DisposeScope scope = NewDisposeScope();
        (Tensor embeddings, Tensor labels) = Embed(data);
        _head.InitializeFromMeanEmbeddings(embeddings, labels);
    }

    /// <summary>
    /// Sets every BatchNorm's running statistics to the average of its batch statistics over all of <paramref name="data"/>
    /// under the current weights (PyTorch's cumulative average, momentum null), and keeps a copy to put back after
    /// training. Training then also starts from statistics that fit the received weights on this site's faces.
    /// </summary>
    internal ReceivedStatistics MeasureBatchNormStatistics(FaceTrainingSet data)
    {
        BatchNorm[] batchNorms = _backbone.modules().OfType<BatchNorm>().ToArray();
        var momenta = batchNorms.Select(b => b.momentum).ToArray();
        using var noGrad = no_grad();
        _backbone.train();
        try
        {
            foreach (BatchNorm batchNorm in batchNorms)
            {
                batchNorm.reset_running_stats();
                batchNorm.momentum = null;
            }
            // Never a batch of a single face (a trailing one is left out): training-mode BatchNorm cannot normalise it.
            for (int start = 0; start + 1 < data.ImageCount; start += EvaluationBatchSize)
            {
                using DisposeScope batchScope = NewDisposeScope();
                _backbone.call(EvaluationBatch(data, start));
            }
        }
        finally
        {
            for (int i = 0; i < batchNorms.Length; i++)
            {
                batchNorms[i].momentum = momenta[i];
            }
        }
        return new ReceivedStatistics(batchNorms);
    }

    /// <summary>BatchNorm running statistics saved from <see cref="MeasureBatchNormStatistics"/>, to restore after training.</summary>
    internal sealed class ReceivedStatistics : IDisposable
    {
        private readonly (BatchNorm Module, Tensor Mean, Tensor Variance)[] _saved;

        public ReceivedStatistics(IEnumerable<BatchNorm> batchNorms) => _saved = batchNorms
            .Select(b => (b, b.running_mean!.detach().clone().DetachFromDisposeScope(), b.running_var!.detach().clone().DetachFromDisposeScope()))
            .ToArray();

        public void PutBack()
        {
            using var noGrad = no_grad();
            foreach ((BatchNorm module, Tensor mean, Tensor variance) in _saved)
            {
                module.running_mean!.copy_(mean);
                module.running_var!.copy_(variance);
            }
        }

        public void Dispose()
        {
            foreach ((_, Tensor mean, Tensor variance) in _saved)
            {
                mean.Dispose();
                variance.Dispose();
            }
        }
    }

    /// <summary>
    /// Raw embeddings [N, E] and labels [N] of <paramref name="data"/> in eval mode (BatchNorm from the running
    /// statistics: the embeddings the model gives at inference), made in the caller's dispose scope.
    /// </summary>
    private (Tensor Embeddings, Tensor Labels) Embed(FaceTrainingSet data)
    {
        using var noGrad = no_grad();
        _backbone.eval();
        var parts = new List<Tensor>();
        for (int start = 0; start < data.ImageCount; start += EvaluationBatchSize)
        {
            // Each batch's activations are freed at once; only its embeddings move out to the caller's scope.
            using DisposeScope batchScope = NewDisposeScope();
            parts.Add(_backbone.call(EvaluationBatch(data, start)).MoveToOuterDisposeScope());
        }
        return (cat(parts, 0), tensor(data.Labels.Select(label => (long)label).ToArray()));
    }

    /// <summary>The faces from <paramref name="start"/> on, at most <see cref="EvaluationBatchSize"/>, as an input tensor.</summary>
    private static Tensor EvaluationBatch(FaceTrainingSet data, int start)
    {
        const int size = FaceTrainingSet.ValuesPerImage;
        int count = Math.Min(EvaluationBatchSize, data.ImageCount - start);
        return FaceBatch.ToTensor(data.Pixels.AsSpan(start * size, count * size), count);
    }

    /// <summary>
    /// Backbone parameters under the frozen stages stop taking gradients; all others take them again (a previous
    /// round may have frozen more). Returns the trainable ones with their state names.
    /// </summary>
    private List<(string Name, Parameter Parameter)> MarkTrainable(IEnumerable<string> frozenStages)
    {
        string[] frozenPrefixes = frozenStages.Select(name => name + ".").ToArray();
        var trainable = new List<(string, Parameter)>();
        foreach ((string name, Parameter parameter) in _backbone.named_parameters())
        {
            bool frozen = _backbone.FixedParameters.Contains(name) || frozenPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));
            parameter.requires_grad = !frozen;
            if (!frozen)
            {
                trainable.Add((name, parameter));
            }
        }
        return trainable;
    }

    /// <summary>
    /// Training mode, except frozen stages and frozen BatchNorms: their BatchNorms keep normalising with, and keep, the
    /// global statistics.
    /// </summary>
    private void EnterTrainingMode(IEnumerable<nn.Module> frozen)
    {
        _backbone.train();
        _head.train();
        foreach (nn.Module stage in frozen)
        {
            stage.eval();
        }
    }

    /// <summary>One optimiser step; returns the margin loss and how many of the batch's faces the head ranked first (before the step).</summary>
    private (double Loss, long Correct) Step(optim.Optimizer optimizer, ProximalTerm? proximal, Distillation? distillation, GradientClipping? clipping,
        ReadOnlyMemory<float> pixels, ReadOnlyMemory<float> unmaskedTwins, long[] labels, float labelSmoothing)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor faces = FaceBatch.ToTensor(pixels.Span, labels.Length);
        Tensor targets = tensor(labels);
        optimizer.zero_grad();
        Tensor embeddings = _backbone.call(faces);
        Tensor marginLoss = _head.Loss(embeddings, targets, labelSmoothing);
        float value = marginLoss.item<float>();
        long correct;
        using (no_grad())
        {
            correct = _head.Predict(embeddings).eq(targets).sum().item<long>();
        }
        if (float.IsFinite(value)) // never step on a non-finite loss: it would poison the head, which persists
        {
            Tensor total = marginLoss;
            if (proximal is not null)
            {
                total += proximal.Loss();
            }
            if (distillation is not null)
            {
                total += distillation.Loss(embeddings, FaceBatch.ToTensor(unmaskedTwins.Span, labels.Length));
            }
            total.backward();
            clipping?.Apply();
            optimizer.step();
        }
        return (value, correct); // the margin loss alone, comparable across sites and with the validation loss
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_ownsBackbone)
        {
            _backbone.Dispose();
        }
        _head.Dispose();
    }
}
