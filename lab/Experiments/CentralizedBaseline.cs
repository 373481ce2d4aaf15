using System.Diagnostics;
using FedFace.Aggregator;
using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Simulator.Experiments;

/// <summary>The yardstick of a federation: every site's faces pooled, trained for rounds × local epochs from the same start.</summary>
public static class CentralizedBaseline
{
    public sealed record Result(HeldOutScores Scores, LocalTrainingReport Training, TrainingPlan Options, double Seconds);

    public static Result Run(SimulationData data, SimulatorOptions options, ModelState initial, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The sites' own plan for a round, so both sides train with the very same hyper-parameters.
        TrainingPlan perRound = options.Training.ForRound((ulong)options.Seed);
        TrainingPlan pooled = perRound with
        {
            LocalEpochs = options.Rounds * perRound.LocalEpochs,
            MaxSteps = options.Rounds * perRound.MaxSteps,
        };
        string averaged = options.AverageLastModels > 1 ? $", the mean of its last {options.AverageLastModels} models as the federation's" : "";
        output.WriteLine($"Centralized baseline: {data.Sites.Sum(s => s.Examples)} pooled faces, {pooled.LocalEpochs} epochs (= {options.Rounds} rounds × {perRound.LocalEpochs}){averaged}…");
        CentralizedTrainingResult trained = CentralizedTrainer.Train(data.TrainingSets, initial, pooled, options.Seed, cancellationToken,
            options.AverageLastModels, epochsPerModel: perRound.LocalEpochs);
        HeldOutScores scores = data.HeldOut.Evaluate(trained.Backbone);
        string masked = scores.Masked is { } m ? $", masked {m.MeanAccuracy * 100:F2}%" : "";
        output.WriteLine($"Centralized: loss {trained.Report.FirstEpochLoss:F3} → {trained.Report.LastEpochLoss:F3}, accuracy {scores.Unmasked.MeanAccuracy * 100:F2}%{masked} ({clock.Elapsed.TotalSeconds:F0}s)");
        return new Result(scores, trained.Report, pooled, clock.Elapsed.TotalSeconds);
    }
}
