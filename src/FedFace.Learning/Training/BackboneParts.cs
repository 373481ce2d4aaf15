using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Training;

/// <summary>The parts of a backbone that training treats apart: its stages in forward order and its BatchNorm tensors.</summary>
internal static class BackboneParts
{
    /// <summary>
    /// The backbone's stages in forward order: its direct children, with a Sequential opened up into its blocks. For
    /// MobileFaceNet: conv1, dw_conv, features.0 … features.14, conv2, gdconv, conv3, bn.
    /// </summary>
    public static IReadOnlyList<(string Name, nn.Module Module)> Stages(nn.Module backbone)
    {
        var stages = new List<(string, nn.Module)>();
        foreach ((string name, nn.Module child) in backbone.named_children())
        {
            if (child is Sequential sequence)
            {
                stages.AddRange(sequence.named_children().Select(block => ($"{name}.{block.name}", block.module)));
            }
            else
            {
                stages.Add((name, child));
            }
        }
        return stages;
    }

    /// <summary>State names of every BatchNorm's weight, bias, running mean and running variance.</summary>
    public static IReadOnlySet<string> BatchNormTensorNames(nn.Module backbone)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string path, nn.Module module) in backbone.named_modules())
        {
            if (module is BatchNorm1d or BatchNorm2d or BatchNorm3d)
            {
                foreach (string tensor in (string[])["weight", "bias", "running_mean", "running_var"])
                {
                    names.Add($"{path}.{tensor}");
                }
            }
        }
        return names;
    }
}
