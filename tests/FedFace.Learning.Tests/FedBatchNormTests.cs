using FedFace.Core;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class FedBatchNormTests
{
    private static readonly ModelState s_firstGlobal = GlobalModelFactory.CreateInitial(seed: 11);
    private static readonly ModelState s_secondGlobal = Perturbed(GlobalModelFactory.CreateInitial(seed: 12));

    [Fact]
    public void Keeping_batchnorm_local_keeps_the_sites_bn_tensors_across_LoadGlobal_and_takes_everything_else()
    {
        using var site = new SiteModel(classCount: 3, seed: 1);
        site.LoadGlobal(s_firstGlobal, keepBatchNormLocal: true); // first load: the site has no BatchNorm of its own yet
        Assert.Equal(s_firstGlobal.ComputeSha256Hex(), site.ExportBackbone().ComputeSha256Hex());

        site.LoadGlobal(s_secondGlobal, keepBatchNormLocal: true);

        ModelState local = site.ExportBackbone();
        int batchNormTensors = 0;
        foreach (NamedTensor tensor in local.Tensors)
        {
            bool isBatchNorm = IsBatchNorm(tensor.Name);
            batchNormTensors += isBatchNorm ? 1 : 0;
            Assert.Equal((isBatchNorm ? s_firstGlobal : s_secondGlobal)[tensor.Name].Values, tensor.Values);
        }
        Assert.Equal(51 * 4, batchNormTensors); // weight, bias, running mean and variance of each of the 51 BatchNorms
    }

    [Fact]
    public void Under_FedBN_the_delta_of_every_bn_tensor_is_zero_and_the_wire_still_carries_every_tensor()
    {
        using var site = new SiteModel(classCount: 3, seed: 1);
        site.LoadGlobal(s_firstGlobal, keepBatchNormLocal: true);
        site.LoadGlobal(s_secondGlobal, keepBatchNormLocal: true); // local BN (first) ≠ global BN (second)

        ModelState delta = site.ComputeDelta(s_secondGlobal);

        Assert.Equal(s_secondGlobal.Tensors.Select(t => t.Name), delta.Tensors.Select(t => t.Name));
        Assert.All(delta.Tensors, t => Assert.All(t.Values, v => Assert.Equal(0f, v))); // nothing trained, BN zeroed
        Assert.Contains(site.ExportBackbone().Minus(s_secondGlobal).Tensors, t => IsBatchNorm(t.Name) && t.Values.Any(v => v != 0));
    }

    [Fact]
    public void Without_FedBN_LoadGlobal_takes_the_global_bn_tensors_too()
    {
        using var site = new SiteModel(classCount: 3, seed: 1);
        site.LoadGlobal(s_firstGlobal, keepBatchNormLocal: true);
        site.LoadGlobal(s_secondGlobal);
        Assert.Equal(s_secondGlobal.ComputeSha256Hex(), site.ExportBackbone().ComputeSha256Hex());
    }

    private static bool IsBatchNorm(string name) =>
        name.EndsWith(".running_mean", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal)
        || ((name.EndsWith(".weight", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
            && s_firstGlobal.Contains(name[..name.LastIndexOf('.')] + ".running_mean"));

    /// <summary>A fresh network's BatchNorms all start at γ = 1, β = 0, μ = 0, σ² = 1; shift them so two models' BN differ.</summary>
    private static ModelState Perturbed(ModelState state) =>
        new(state.Tensors.Select(t => new NamedTensor(t.Name, t.Shape, t.Values.Select(v => v + 0.25f).ToArray())));
}
