using FedFace.Core.Training;

namespace FedFace.Learning.Training;

/// <summary>
/// Linear warm-up, then cosine decay to a floor, over a run of <see cref="TotalSteps"/> optimiser steps (0-based):
/// steps 0..W−1 climb as Peak·(k + 1)/(W + 1), step W runs at <see cref="Peak"/>, and the last step, T − 1, at
/// <see cref="Floor"/>: Floor + (Peak − Floor)·½(1 + cos(π·(k − W)/(T − 1 − W))). A run whose warm-up takes every
/// step never decays; steps past the end stay at the floor.
/// </summary>
public sealed record LearningRateSchedule(double Peak, double Floor, int WarmupSteps, int TotalSteps)
{
    public static LearningRateSchedule For(TrainingPlan options, int totalSteps) =>
        new(options.LearningRate, options.LearningRateFloor, options.WarmupSteps, totalSteps);

    public double RateAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            // No step at rate zero: the ramp's first step already moves.
            return Peak * (step + 1) / (WarmupSteps + 1);
        }
        int decaySteps = TotalSteps - 1 - WarmupSteps;
        if (decaySteps <= 0)
        {
            return step < TotalSteps ? Peak : Floor;
        }
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return Floor + (Peak - Floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
