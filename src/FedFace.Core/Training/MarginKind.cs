namespace FedFace.Core.Training;

/// <summary>How the site's head penalises the true class's logit before the scale s is applied.</summary>
public enum MarginKind
{
    /// <summary>ArcFace, additive angular margin: cos(θ + m), default m = 0.5 rad.</summary>
    ArcFace,

    /// <summary>CosFace, additive cosine margin: cos θ − m, default m = 0.35.</summary>
    CosFace,
}
