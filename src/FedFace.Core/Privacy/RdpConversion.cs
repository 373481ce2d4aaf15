namespace FedFace.Core.Privacy;

/// <summary>How a Rényi-DP curve becomes an (ε, δ) guarantee.</summary>
public enum RdpConversion
{
    /// <summary>
    /// ε = min_α RDP(α) + log(1/δ)/(α − 1): Mironov 2017, "Rényi Differential Privacy", Proposition 3. What TF
    /// Privacy used until 2020 (its MNIST tutorial's ε = 3.01).
    /// </summary>
    Classic,

    /// <summary>
    /// ε = min_α RDP(α) − (log δ + log α)/(α − 1) + log((α − 1)/α), and ε = 0 when δ² ≥ 1 − e^−RDP(α) (the KL
    /// bound): Balle et al. 2020, "Hypothesis Testing Interpretations and Renyi Differential Privacy", Proposition
    /// 12; Canonne, Kamath and Steinke 2020, Equation 20. TF Privacy's and dp_accounting's current
    /// <c>_compute_epsilon</c>; never larger than <see cref="Classic"/>. The accountant's reports use this one.
    /// </summary>
    Improved,
}
