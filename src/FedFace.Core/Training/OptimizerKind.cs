namespace FedFace.Core.Training;

/// <summary>Which optimiser updates a site's weights.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum; weight decay as an L2 term on the gradient.</summary>
    Sgd,

    /// <summary>AdamW (β = 0.9, 0.999), decoupled weight decay; <see cref="TrainingPlan.Momentum"/> is unused.</summary>
    AdamW,
}
