using System.Diagnostics;
using FedFace.Client;
using FedFace.Core;
using FedFace.Learning.Training;

namespace FedFace.Simulator.Experiments;

/// <summary>The yardstick of a federation: every site's faces pooled, trained for rounds × local epochs from the same start.</summary>
public static class CentralizedBaseline
{
    public sealed record Result(HeldOutScores Scores, LocalTrainingReport Training, LocalTrainingOptions Options, double Seconds);

    public static Result Run(SimulationData data, SimulatorOptions options, ModelState initial, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The sites' own mapping from the round task, so both sides train with the very same hyper-parameters.
        LocalTrainingOptions perRound = SiteAgent.TrainingOptionsFor(options.TrainingSettings().ToTrainingConfig((ulong)options.Seed), options.Seed);
        LocalTrainingOptions pooled = perRound with
        {
            Epochs = options.Rounds * options.LocalEpochs,
            MaxSteps = options.Rounds * options.MaxStepsPerRound,
        };
        string averaged = options.AverageLastModels > 1 ? $", the mean of its last {options.AverageLastModels} models as the federation's" : "";
        output.WriteLine($"Centralized baseline: {data.Sites.Sum(s => s.Examples)} pooled faces, {pooled.Epochs} epochs (= {options.Rounds} rounds × {options.LocalEpochs}){averaged}…");
        CentralizedTrainingResult trained = CentralizedTrainer.Train(data.TrainingSets, initial, pooled, options.Seed, cancellationToken,
            options.AverageLastModels, epochsPerModel: options.LocalEpochs);
        HeldOutScores scores = data.HeldOut.Evaluate(trained.Backbone);
        string masked = scores.Masked is { } m ? $", masked {m.MeanAccuracy * 100:F2}%" : "";
        output.WriteLine($"Centralized: loss {trained.Report.FirstEpochLoss:F3} → {trained.Report.LastEpochLoss:F3}, accuracy {scores.Unmasked.MeanAccuracy * 100:F2}%{masked} ({clock.Elapsed.TotalSeconds:F0}s)");
        return new Result(scores, trained.Report, pooled, clock.Elapsed.TotalSeconds);
    }
}
