"""The lab's results drawn: the reference table, the feature maps layer by layer, the MLP's hidden units."""

import streamlit as st

from core.lab.charts import probabilities_chart
from core.lab.explain import CONSISTENCY_NOTE, known, reference_table
from core.lab.images import difference_picture, digit_picture, feature_map_picture, hidden_picture, strongest_channels
from core.lab.questions import CONSISTENCY_SHIFT

LAYER_COLUMNS = [1.2, 2, 2, 2]


def show_table(rows, shift: tuple[int, int], mode: str, images: int) -> None:
    st.table(reference_table(rows, shift, mode))
    st.caption(CONSISTENCY_NOTE.format(images=images, reach=CONSISTENCY_SHIFT))


def show_images(dataset, index: int, shifted, shift: tuple[int, int], probabilities: dict) -> None:
    """The test image, the image shifted, and what each model makes of the shifted one."""
    label = int(dataset.y_test[index])
    names = dataset.class_names
    pictures = st.columns([1, 1, 3], gap="medium", vertical_alignment="top")
    pictures[0].image(
        digit_picture(dataset.x_test[index].numpy()), caption=f"test image {index}: a {names[label]}", width=168
    )
    pictures[1].image(digit_picture(shifted.numpy()), caption=f"shifted by {shift}", width=168)
    with pictures[2]:
        verdicts = [
            f"the {name} says **{names[int(p.argmax())]}** ({p.max():.0%})"
            + (" ✅" if int(p.argmax()) == label else " ❌")
            for name, p in probabilities.items()
        ]
        st.markdown(f"Shifted, this {names[label]}: " + "; ".join(verdicts) + ".")
        st.vega_lite_chart(spec=probabilities_chart(probabilities, names, label), width="stretch")


def show_layers(comparisons) -> None:
    """For each stage of the CNN: f(shift(x)), shift(f(x)) and their difference, on one scale."""
    titles = ["layer", "f(shift(x)): maps of the shifted image", "shift(f(x)): the maps, shifted", "difference"]
    for column, title in zip(st.columns(LAYER_COLUMNS, gap="small"), titles):
        column.markdown(f"**{title}**")
    for comparison in comparisons:
        channels = strongest_channels(comparison.shifted_f, 8)
        high = float(max(comparison.f_of_shifted[channels].max(), comparison.shifted_f[channels].max(), 1e-6))
        left, first, second, third = st.columns(LAYER_COLUMNS, gap="small", vertical_alignment="center")
        moved = (
            f"shifted by {comparison.shift}"
            if comparison.whole
            else f"≈ shifted by {comparison.shift}: not a whole cell"
        )
        inside = known(comparison.interior_relative_error)
        interior = f"away from the border {inside:.2g}" if inside is not None else "no interior left"
        left.markdown(
            f"**{comparison.name}** · stride {comparison.stride}  \n{moved}  \n"
            f"relative error **{comparison.relative_error:.2g}**  \n{interior}"
        )
        first.image(feature_map_picture(comparison.f_of_shifted[channels], 0.0, high, columns=4), width="stretch")
        second.image(feature_map_picture(comparison.shifted_f[channels], 0.0, high, columns=4), width="stretch")
        third.image(difference_picture(comparison.difference[channels], high, columns=4), width="stretch")
    st.caption(
        "The 8 most active channels of each stage, on one grey scale per row (white 0, dark high). "
        "Difference: red where f(shift(x)) is higher, blue where shift(f(x)) is; white means they agree."
    )


def show_hidden_units(hidden, shift: tuple[int, int]) -> None:
    st.markdown(
        f"**The MLP's {len(hidden.original)} hidden units** for the image and for the shifted image. They do not move "
        f"with the digit, they change: correlation **{hidden.correlation:.2f}** between the two."
    )
    units = st.columns(2, gap="medium")
    high = float(max(hidden.original.max(), hidden.shifted.max(), 1e-6))
    units[0].image(hidden_picture(hidden.original, high), caption="hidden units, original image", width="stretch")
    units[1].image(hidden_picture(hidden.shifted, high), caption=f"hidden units, shifted by {shift}", width="stretch")
