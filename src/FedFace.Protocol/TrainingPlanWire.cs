using FedFace.Core.Training;
using FedFace.Protos.V1;

namespace FedFace.Protocol;

/// <summary>
/// A round's <see cref="TrainingPlan"/> as the round task carries it, and back: the one place the plan meets the wire.
/// The aggregator resolves its own policies first (<see cref="TrainingPlan.DecayAcrossRounds"/> into the round's rates,
/// <see cref="BatchNormStatisticsSource.Auto"/> into Received or Trained), so what crosses is what the site does.
/// </summary>
public static class TrainingPlanWire
{
    public static TrainingConfig ToWire(TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new TrainingConfig
        {
            LocalEpochs = (uint)plan.LocalEpochs,
            BatchSize = (uint)plan.BatchSize,
            MaxSteps = (uint)plan.MaxSteps,
            Seed = plan.Seed,
            Optimizer = plan.Optimizer == Core.Training.OptimizerKind.AdamW ? Protos.V1.OptimizerKind.AdamW : Protos.V1.OptimizerKind.Sgd,
            LearningRate = plan.LearningRate,
            LearningRateFloor = plan.LearningRateFloor,
            WarmupSteps = (uint)plan.WarmupSteps,
            Momentum = plan.Momentum,
            WeightDecay = plan.WeightDecay,
            MarginKind = plan.MarginKind == Core.Training.MarginKind.CosFace ? Protos.V1.MarginKind.CosFace : Protos.V1.MarginKind.ArcFace,
            ArcfaceScale = plan.ArcFaceScale,
            ArcfaceMargin = plan.ArcFaceMargin,
            CosfaceMargin = plan.CosFaceMargin,
            LabelSmoothing = plan.LabelSmoothing,
            InitHeadFromMeans = plan.InitializeHeadFromMeans,
            FreezeHead = plan.FreezeHead,
            FrozenStages = (uint)plan.FrozenStages,
            ValidationFraction = plan.ValidationFraction,
            EarlyStoppingPatience = (uint)plan.EarlyStoppingPatience,
            GradientClipNorm = plan.GradientClipNorm,
            FedproxMu = plan.FedProxMu,
            KeepBatchNormLocal = plan.KeepBatchNormLocal,
            MaskedFaceProbability = plan.MaskedFaceProbability,
            FreezeBatchNormStatistics = plan.FreezeBatchNormStatistics,
            DistillationWeight = plan.DistillationWeight,
            ReportReceivedModelStatistics = plan.ReportsReceivedModelStatistics,
            Augmentation = new AugmentationConfig
            {
                MaxShift = plan.AugmentMaxShift,
                MaxScale = plan.AugmentMaxScale,
                MaxRotationDegrees = plan.AugmentMaxRotationDegrees,
                ColorJitter = plan.AugmentColorJitter,
            },
        };
    }

    /// <summary>
    /// The plan a round task carries. Unset enums and absent optional fields (a task from an older aggregator) take the
    /// plan's defaults, so such a task still trains.
    /// </summary>
    public static TrainingPlan FromWire(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        TrainingPlan defaults = TrainingPlan.Default;
        AugmentationConfig augmentation = config.Augmentation ?? new AugmentationConfig();
        return new TrainingPlan
        {
            LocalEpochs = (int)config.LocalEpochs,
            BatchSize = (int)config.BatchSize,
            MaxSteps = (int)config.MaxSteps,
            Seed = config.Seed,
            Optimizer = config.Optimizer == Protos.V1.OptimizerKind.AdamW ? Core.Training.OptimizerKind.AdamW : Core.Training.OptimizerKind.Sgd,
            LearningRate = config.LearningRate,
            LearningRateFloor = config.HasLearningRateFloor ? config.LearningRateFloor : Math.Min(defaults.LearningRateFloor, config.LearningRate),
            WarmupSteps = (int)config.WarmupSteps,
            Momentum = config.Momentum,
            WeightDecay = config.WeightDecay,
            MarginKind = config.MarginKind == Protos.V1.MarginKind.CosFace ? Core.Training.MarginKind.CosFace : Core.Training.MarginKind.ArcFace,
            ArcFaceScale = config.ArcfaceScale,
            ArcFaceMargin = config.ArcfaceMargin,
            CosFaceMargin = config.HasCosfaceMargin ? config.CosfaceMargin : defaults.CosFaceMargin,
            LabelSmoothing = config.LabelSmoothing,
            InitializeHeadFromMeans = config.HasInitHeadFromMeans ? config.InitHeadFromMeans : defaults.InitializeHeadFromMeans,
            FreezeHead = config.FreezeHead,
            FrozenStages = (int)config.FrozenStages,
            ValidationFraction = config.ValidationFraction,
            EarlyStoppingPatience = (int)config.EarlyStoppingPatience,
            GradientClipNorm = config.GradientClipNorm,
            FedProxMu = config.FedproxMu,
            KeepBatchNormLocal = config.KeepBatchNormLocal,
            MaskedFaceProbability = config.MaskedFaceProbability,
            FreezeBatchNormStatistics = config.FreezeBatchNormStatistics,
            DistillationWeight = config.DistillationWeight,
            BatchNormStatistics = config.ReportReceivedModelStatistics ? BatchNormStatisticsSource.Received : BatchNormStatisticsSource.Trained,
            AugmentMaxShift = augmentation.MaxShift,
            AugmentMaxScale = augmentation.MaxScale,
            AugmentMaxRotationDegrees = augmentation.MaxRotationDegrees,
            AugmentColorJitter = augmentation.ColorJitter,
        };
    }
}
