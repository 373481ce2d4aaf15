namespace FedFace.Core.Training;

/// <summary>Which BatchNorm running statistics sites report with their update.</summary>
public enum BatchNormStatisticsSource
{
    /// <summary>Those of the received model when the server optimiser asks for them (a step away from the average), else trained.</summary>
    Auto,
    /// <summary>What local training left behind (FedAvg's usual average).</summary>
    Trained,
    /// <summary>Those of the received model over the site's faces, measured before training.</summary>
    Received,
}
