from django import forms


class NewCourseForm(forms.Form):
    slug = forms.CharField(
        label="Course id", max_length=100, help_text="Lower-case letters, digits and dashes; it never changes."
    )
    title = forms.CharField(max_length=200)


class NewKCForm(forms.Form):
    kc_id = forms.CharField(label="KC id", max_length=100, help_text="Its file is kcs/{id}.md.")
    title = forms.CharField(max_length=200)


class UploadForm(forms.Form):
    course_zip = forms.FileField(label="Course folder as a zip", help_text="Holding course.toml and kcs/{id}.md files.")
