"""The demo question bank: written for Nearpeer's demo, not taken from any exam. No Django import.

Each entry: (specialty, system, years, title, stem, options, key indexes, explanation).
"""

BANK = [
    # Cardiology
    ("Cardiology", "Cardiovascular", (3, 4), "Inferior STEMI territory",
     "A 64-year-old man has 40 minutes of crushing central chest pain. His ECG shows ST elevation "
     "in leads II, III and aVF with reciprocal depression in I and aVL.\n\nWhich artery is most "
     "likely occluded?",
     ["Right coronary artery", "Left anterior descending artery", "Left circumflex artery",
      "Left main stem", "Diagonal branch"], (0,),
     "II, III and aVF look at the inferior wall, supplied by the **right coronary artery** in most "
     "(right-dominant) people. The LAD supplies the anterior wall (V1–V4)."),
    ("Cardiology", "Cardiovascular", (3, 4, 5), "Rate control in AF",
     "A 72-year-old woman has newly found atrial fibrillation at 128 beats/min. She is "
     "haemodynamically stable and has no heart failure. Which drug is first-line for rate "
     "control?",
     ["Bisoprolol", "Amiodarone", "Flecainide", "Digoxin", "Adenosine"], (0,),
     "A beta-blocker (or a rate-limiting calcium-channel blocker) is first-line. Digoxin is "
     "reserved for sedentary people or added in; flecainide is for rhythm control in a "
     "structurally normal heart."),
    ("Cardiology", "Cardiovascular", (2, 3), "Murmur of aortic stenosis",
     "Which murmur is typical of aortic stenosis?",
     ["Ejection systolic murmur radiating to the carotids", "Pansystolic murmur radiating to the "
      "axilla", "Early diastolic murmur at the left sternal edge", "Mid-diastolic rumble at the "
      "apex", "Continuous machinery murmur"], (0,),
     "Aortic stenosis gives a crescendo–decrescendo ejection systolic murmur heard best in the "
     "aortic area and radiating to the carotids. Pansystolic to the axilla is mitral "
     "regurgitation."),
    ("Cardiology", "Cardiovascular", (4, 5), "Features of heart failure on chest X-ray",
     "Which of these are chest X-ray signs of left ventricular failure? Choose all that apply.",
     ["Alveolar oedema in a bat's-wing pattern", "Kerley B lines", "Cardiomegaly",
      "Dilated upper lobe vessels", "Bilateral hilar lymphadenopathy"], (0, 1, 2, 3),
     "ABCDE: **A**lveolar oedema, Kerley **B** lines, **C**ardiomegaly, **D**ilated upper lobe "
     "vessels, pleural **E**ffusions. Bilateral hilar lymphadenopathy suggests sarcoidosis."),
    # Respiratory medicine
    ("Respiratory medicine", "Respiratory", (3, 4), "Small primary pneumothorax",
     "A 22-year-old tall man has sudden left pleuritic chest pain. The X-ray shows a 1.5 cm rim of "
     "air at the hilum. He is not breathless and saturations are 98 % on air. What is the best "
     "initial management?",
     ["Conservative management with follow-up", "Needle aspiration", "Chest drain",
      "Surgical pleurodesis", "Admit for high-flow oxygen"], (0,),
     "A small primary spontaneous pneumothorax with minimal symptoms can be managed "
     "conservatively with safety-netting and review."),
    ("Respiratory medicine", "Respiratory", (2, 3), "Type 2 respiratory failure",
     "Which arterial blood gas findings define type 2 respiratory failure?",
     ["PaO₂ below 8 kPa with PaCO₂ above 6 kPa", "PaO₂ below 8 kPa with normal PaCO₂",
      "PaCO₂ below 4.5 kPa", "pH above 7.45 with normal PaO₂"], (0,),
     "Type 1: hypoxaemia with normal or low CO₂. Type 2: hypoxaemia **and** hypercapnia, from "
     "ventilatory failure."),
    ("Respiratory medicine", "Respiratory", (1, 2), "Surfactant",
     "Which cells produce pulmonary surfactant?",
     ["Type II pneumocytes", "Type I pneumocytes", "Alveolar macrophages", "Club cells",
      "Goblet cells"], (0,),
     "Type II pneumocytes make surfactant, lowering surface tension so alveoli do not collapse at "
     "end-expiration."),
    ("Respiratory medicine", "Respiratory", (4, 5), "Asthma attack severity",
     "Which finding makes an asthma attack life-threatening rather than acute severe?",
     ["Silent chest", "Peak flow 45 % of best", "Respiratory rate 26/min",
      "Heart rate 115/min", "Unable to complete sentences"], (0,),
     "Life-threatening features include silent chest, cyanosis, poor effort, SpO₂ < 92 %, "
     "PEF < 33 %, exhaustion, arrhythmia, hypotension, altered consciousness."),
    # Gastroenterology
    ("Gastroenterology", "Gastrointestinal", (3, 4), "Upper GI bleed risk score",
     "Which score is used before endoscopy to decide whether a patient with upper GI bleeding "
     "can be managed as an outpatient?",
     ["Glasgow-Blatchford score", "Child-Pugh score", "MELD score", "Truelove and Witts",
      "Alvarado score"], (0,),
     "The Glasgow-Blatchford score uses urea, haemoglobin, systolic pressure and clinical "
     "features; a score of 0 (or ≤ 1) supports early discharge."),
    ("Gastroenterology", "Gastrointestinal", (4, 5), "Coeliac disease test",
     "What is the first-line serological test for suspected coeliac disease in an adult eating "
     "gluten?",
     ["Tissue transglutaminase IgA with total IgA", "Anti-gliadin IgG", "HLA-DQ2 typing",
      "Faecal calprotectin", "Duodenal biopsy without serology"], (0,),
     "tTG-IgA with total IgA (to exclude IgA deficiency) is first-line; the person must keep "
     "eating gluten until tests are done."),
    ("Gastroenterology", "Gastrointestinal", (2, 3), "Bilirubin in haemolysis",
     "Which pattern fits jaundice from haemolysis?",
     ["Raised unconjugated bilirubin, no bilirubin in urine", "Raised conjugated bilirubin, "
      "dark urine", "Raised ALP and GGT", "Pale stools and dark urine"], (0,),
     "Haemolysis overwhelms conjugation: unconjugated bilirubin rises and, being "
     "albumin-bound and insoluble, does not appear in urine (acholuric jaundice)."),
    ("Gastroenterology", "Gastrointestinal", (4, 5), "Ulcerative colitis features",
     "Which features are typical of ulcerative colitis rather than Crohn's disease? Choose all "
     "that apply.",
     ["Continuous inflammation from the rectum", "Inflammation limited to the mucosa",
      "Skip lesions", "Non-caseating granulomas", "Perianal fistulae"], (0, 1),
     "UC is continuous, starts at the rectum and is mucosal. Skip lesions, transmural "
     "inflammation, granulomas and fistulae point to Crohn's."),
    # Renal medicine
    ("Renal medicine", "Renal", (2, 3), "Nephrotic syndrome",
     "A 6-year-old boy has periorbital oedema. Urine dipstick shows 4+ protein and no blood. "
     "Which is the most likely cause?",
     ["Minimal change disease", "IgA nephropathy", "Post-streptococcal glomerulonephritis",
      "Alport syndrome", "Membranous nephropathy"], (0,),
     "Minimal change disease causes most nephrotic syndrome in children and usually responds to "
     "steroids."),
    ("Renal medicine", "Renal", (3, 4), "Hyperkalaemia ECG",
     "Which ECG change appears first as potassium rises?",
     ["Tall tented T waves", "Loss of P waves", "Broad QRS complexes", "Sine-wave pattern",
      "U waves"], (0,),
     "Peaked T waves come first, then P-wave flattening and PR prolongation, QRS widening and "
     "finally a sine-wave pattern. U waves suggest hypokalaemia."),
    ("Renal medicine", "Renal", (4, 5), "AKI staging",
     "Creatinine rises from a baseline of 80 to 250 µmol/L within 48 hours. Which KDIGO stage "
     "of acute kidney injury is this?",
     ["Stage 3", "Stage 1", "Stage 2", "Not AKI"], (0,),
     "250/80 is more than 3 times baseline: stage 3. Stage 1 is 1.5–1.9×, stage 2 2.0–2.9×."),
    ("Renal medicine", "Renal", (1, 2), "Site of most sodium reabsorption",
     "Where in the nephron is most filtered sodium reabsorbed?",
     ["Proximal convoluted tubule", "Thick ascending limb", "Distal convoluted tubule",
      "Collecting duct", "Descending limb"], (0,),
     "About two-thirds of filtered sodium is reabsorbed in the proximal tubule, iso-osmotically "
     "with water."),
    # Endocrinology
    ("Endocrinology", "Endocrine", (3, 4), "DKA diagnosis",
     "Which set of results confirms diabetic ketoacidosis?",
     ["Glucose 22 mmol/L, ketones 4.2 mmol/L, bicarbonate 11 mmol/L",
      "Glucose 35 mmol/L, ketones 0.4 mmol/L, osmolality 340 mOsm/kg",
      "Glucose 9 mmol/L, ketones 1.0 mmol/L, bicarbonate 24 mmol/L",
      "Glucose 18 mmol/L, lactate 6 mmol/L, bicarbonate 16 mmol/L"], (0,),
     "DKA: glucose > 11 mmol/L (or known diabetes), ketones ≥ 3 mmol/L and bicarbonate "
     "< 15 mmol/L or pH < 7.3. High glucose and osmolality without ketosis is HHS."),
    ("Endocrinology", "Endocrine", (4, 5), "Addisonian crisis treatment",
     "A woman with known Addison's disease is vomiting and hypotensive. What should be given "
     "first?",
     ["Hydrocortisone 100 mg IV or IM", "Fludrocortisone orally", "Dexamethasone 4 mg orally",
      "Levothyroxine IV", "Insulin infusion"], (0,),
     "Adrenal crisis needs immediate parenteral hydrocortisone and fluid resuscitation; do not "
     "wait for results."),
    ("Endocrinology", "Endocrine", (2, 3), "Primary hypothyroidism results",
     "Which results fit primary hypothyroidism?",
     ["High TSH, low free T4", "Low TSH, low free T4", "Low TSH, high free T4",
      "Normal TSH, high free T4"], (0,),
     "The failing thyroid makes less T4; the pituitary responds with more TSH. Low TSH and low "
     "T4 suggests secondary (pituitary) disease."),
    ("Endocrinology", "Endocrine", (3, 4, 5), "Causes of hypercalcaemia",
     "Which are common causes of hypercalcaemia? Choose all that apply.",
     ["Primary hyperparathyroidism", "Malignancy", "Thiazide diuretics", "Vitamin D deficiency",
      "Chronic kidney disease without tertiary hyperparathyroidism"], (0, 1, 2),
     "Primary hyperparathyroidism and malignancy cause about 90 %. Thiazides reduce urinary "
     "calcium loss. Vitamin D deficiency and CKD tend to cause **hypo**calcaemia."),
    # Neurology
    ("Neurology", "Nervous", (3, 4), "Thrombolysis window",
     "Within how many hours of known symptom onset may alteplase be given for acute ischaemic "
     "stroke once haemorrhage is excluded?",
     ["4.5 hours", "1 hour", "12 hours", "24 hours", "48 hours"], (0,),
     "Alteplase is licensed up to 4.5 hours from onset; thrombectomy windows extend further in "
     "selected patients."),
    ("Neurology", "Nervous", (2, 3), "Upper motor neurone signs",
     "Which finding suggests an upper motor neurone lesion?",
     ["Extensor plantar response", "Fasciculation", "Marked early wasting", "Reduced tone",
      "Absent reflexes"], (0,),
     "UMN lesions give increased tone, brisk reflexes, pyramidal weakness and an upgoing "
     "plantar. Fasciculation, wasting and hypotonia are LMN signs."),
    ("Neurology", "Nervous", (4, 5), "Subarachnoid haemorrhage",
     "A 45-year-old has a sudden worst-ever headache. CT at 14 hours is normal. What next?",
     ["Lumbar puncture for xanthochromia at least 12 hours after onset", "Discharge with "
      "analgesia", "MRI spine", "EEG", "Repeat CT in 1 week"], (0,),
     "CT sensitivity falls after 6 hours; a lumbar puncture ≥ 12 hours after onset looks for "
     "xanthochromia from bilirubin."),
    ("Neurology", "Nervous", (1, 2), "Cranial nerve for lateral rectus",
     "Which cranial nerve supplies lateral rectus?",
     ["Abducens (VI)", "Oculomotor (III)", "Trochlear (IV)", "Trigeminal (V)",
      "Facial (VII)"], (0,),
     "LR6 SO4 R3: lateral rectus by VI, superior oblique by IV, the rest by III."),
    # Haematology
    ("Haematology", "Haematological", (2, 3), "Microcytic anaemia",
     "Which is the most common cause of microcytic anaemia in the UK?",
     ["Iron deficiency", "Vitamin B12 deficiency", "Folate deficiency", "Haemolysis",
      "Hypothyroidism"], (0,),
     "Iron deficiency is by far the commonest; B12 and folate deficiency cause macrocytosis."),
    ("Haematology", "Haematological", (4, 5), "Warfarin with high INR and bleeding",
     "A man on warfarin has an INR of 8 and a major gastrointestinal bleed. What is the "
     "immediate treatment?",
     ["Stop warfarin, IV vitamin K and prothrombin complex concentrate", "Omit one dose only",
      "Oral vitamin K alone", "Protamine sulphate", "Platelet transfusion"], (0,),
     "Major bleeding on warfarin: stop it, give IV vitamin K 5–10 mg and PCC. Protamine "
     "reverses heparin."),
    ("Haematology", "Haematological", (3, 4), "Sickle cell crisis",
     "Which is first-line in a painful sickle cell crisis?",
     ["Prompt analgesia, fluids and oxygen if hypoxic", "Exchange transfusion for every crisis",
      "Hydroxycarbamide started in the emergency department", "Antibiotics alone",
      "Heparin infusion"], (0,),
     "Give analgesia within 30 minutes of arrival, hydrate and treat hypoxia; look for triggers "
     "such as infection."),
    ("Haematology", "Haematological", (1, 2), "Blood group compatibility",
     "A patient is blood group O negative. Which red cells can they receive?",
     ["O negative only", "O positive or O negative", "Any group, negative",
      "AB negative"], (0,),
     "Group O plasma has anti-A and anti-B, and an RhD-negative recipient should not receive "
     "RhD-positive cells: O negative only."),
    # Infectious diseases
    ("Infectious diseases", "Multi-system", (3, 4), "Meningococcal sepsis in the community",
     "A GP suspects meningococcal disease in a child with a non-blanching rash. What should be "
     "given before transfer if it does not delay it?",
     ["IM or IV benzylpenicillin", "Oral amoxicillin", "IV vancomycin", "Oral ciprofloxacin",
      "Nothing until blood cultures are taken"], (0,),
     "Give parenteral benzylpenicillin at once; do not delay for tests."),
    ("Infectious diseases", "Multi-system", (4, 5), "Malaria in a returning traveller",
     "A traveller back from Ghana 10 days ago has fever. What is the key first investigation?",
     ["Three thick and thin blood films (or rapid antigen test)", "Chest X-ray", "Stool "
      "microscopy", "Urine culture", "HIV test alone"], (0,),
     "Fever after travel to a malarial area is malaria until proven otherwise; films are "
     "repeated over 48 hours if the first is negative."),
    ("Infectious diseases", "Multi-system", (2, 3), "Gram-positive cocci in clusters",
     "Gram-positive cocci in clusters are most likely:",
     ["Staphylococci", "Streptococci", "Neisseria", "Enterobacterales"], (0,),
     "Staphylococci form clusters; streptococci form chains; Neisseria are Gram-negative "
     "diplococci."),
    ("Infectious diseases", "Multi-system", (4, 5), "Sepsis six",
     "Which are part of the initial sepsis bundle? Choose all that apply.",
     ["Blood cultures", "IV antibiotics within an hour", "Lactate measurement",
      "Routine IV steroids", "Urine output monitoring"], (0, 1, 2, 4),
     "Give oxygen if needed, take cultures, give antibiotics, give fluids, measure lactate and "
     "urine output. Steroids are not routine."),
    # Pharmacology
    ("Pharmacology", "Multi-system", (2, 3), "Paracetamol overdose antidote",
     "What is the antidote for paracetamol overdose?",
     ["Acetylcysteine", "Naloxone", "Flumazenil", "Activated charcoal only", "Fomepizole"],
     (0,),
     "Acetylcysteine replenishes glutathione; give it according to the treatment nomogram or "
     "at once in staggered overdoses."),
    ("Pharmacology", "Multi-system", (3, 4), "ACE inhibitor side effect",
     "Which side effect is most typical of ACE inhibitors?",
     ["Dry cough", "Ankle oedema", "Gum hypertrophy", "Bradycardia", "Hypokalaemia"], (0,),
     "Bradykinin accumulation causes a dry cough; they tend to cause **hyper**kalaemia. Ankle "
     "oedema is typical of dihydropyridine calcium-channel blockers."),
    ("Pharmacology", "Multi-system", (3, 4), "Gentamicin monitoring",
     "Why are gentamicin levels monitored?",
     ["Nephrotoxicity and ototoxicity", "Hepatotoxicity", "QT prolongation",
      "Bone marrow suppression", "Photosensitivity"], (0,),
     "Aminoglycosides are nephrotoxic and ototoxic; trough levels guide dosing intervals."),
    ("Pharmacology", "Multi-system", (4, 5), "Drugs to hold in AKI",
     "Which drugs are usually withheld in acute kidney injury? Choose all that apply.",
     ["NSAIDs", "ACE inhibitors", "Metformin", "Paracetamol", "Diuretics (if hypovolaemic)"],
     (0, 1, 2, 4),
     "Remember DAMN: diuretics, ACE inhibitors/ARBs, metformin, NSAIDs. Paracetamol is "
     "usually safe."),
    # Anatomy
    ("Anatomy", "Musculoskeletal", (1, 2), "Nerve in wrist drop",
     "A mid-shaft humeral fracture causes wrist drop. Which nerve is injured?",
     ["Radial", "Median", "Ulnar", "Axillary", "Musculocutaneous"], (0,),
     "The radial nerve runs in the spiral groove of the humerus and supplies the wrist "
     "extensors."),
    ("Anatomy", "Musculoskeletal", (1, 2), "Rotator cuff",
     "Which muscle is not part of the rotator cuff?",
     ["Teres major", "Supraspinatus", "Infraspinatus", "Teres minor", "Subscapularis"], (0,),
     "SITS: supraspinatus, infraspinatus, teres minor, subscapularis. Teres major is not a cuff "
     "muscle."),
    ("Anatomy", "Cardiovascular", (1, 2), "Venous drainage of the heart",
     "Into which chamber does the coronary sinus drain?",
     ["Right atrium", "Left atrium", "Right ventricle", "Superior vena cava"], (0,),
     "The coronary sinus opens into the right atrium between the IVC and the tricuspid valve."),
    ("Anatomy", "Gastrointestinal", (1, 2), "Blood supply of the spleen",
     "The splenic artery is a branch of:",
     ["The coeliac trunk", "The superior mesenteric artery", "The inferior mesenteric artery",
      "The left renal artery"], (0,),
     "The coeliac trunk gives the left gastric, common hepatic and splenic arteries."),
    # Physiology
    ("Physiology", "Cardiovascular", (1,), "Stroke volume",
     "Which change increases stroke volume by the Frank–Starling mechanism?",
     ["Greater end-diastolic volume", "Higher heart rate", "Higher afterload",
      "Lower venous return"], (0,),
     "More stretch of the ventricular muscle in diastole increases the force of contraction."),
    ("Physiology", "Respiratory", (1,), "Oxygen dissociation curve",
     "Which shifts the oxygen–haemoglobin dissociation curve to the right?",
     ["Raised temperature", "Alkalosis", "Lower 2,3-DPG", "Fetal haemoglobin",
      "Hypocapnia"], (0,),
     "CADET face right: CO₂, acid, 2,3-DPG, exercise, temperature. A right shift unloads "
     "oxygen to tissues."),
    ("Physiology", "Renal", (1,), "ADH action",
     "Where does antidiuretic hormone act to concentrate urine?",
     ["Collecting duct via aquaporin-2", "Proximal tubule via SGLT2",
      "Loop of Henle via NKCC2", "Glomerulus"], (0,),
     "ADH (vasopressin) acts on V2 receptors to insert aquaporin-2 into collecting duct cells."),
    ("Physiology", "Endocrine", (1, 2), "Insulin and potassium",
     "What does insulin do to plasma potassium?",
     ["Lowers it by driving potassium into cells", "Raises it", "No effect",
      "Lowers it by renal excretion"], (0,),
     "Insulin activates Na⁺/K⁺-ATPase and shifts potassium into cells, which is why it treats "
     "hyperkalaemia."),
    # Emergency medicine
    ("Emergency medicine", "Multi-system", (4, 5), "Anaphylaxis first drug",
     "A 19-year-old has stridor and urticaria minutes after eating peanuts. What is the first "
     "drug?",
     ["IM adrenaline 0.5 mg", "IV chlorphenamine", "IV hydrocortisone", "Nebulised salbutamol",
      "Oral cetirizine"], (0,),
     "IM adrenaline 500 micrograms into the anterolateral thigh, repeated after 5 minutes if "
     "needed. Antihistamines and steroids are not first-line."),
    ("Emergency medicine", "Multi-system", (4, 5), "Opioid toxicity",
     "Pinpoint pupils, respiratory rate 6/min and reduced consciousness. Which drug?",
     ["Naloxone", "Flumazenil", "Atropine", "Glucagon", "Physostigmine"], (0,),
     "Naloxone reverses opioid toxicity; it may need repeating because its half-life is shorter "
     "than many opioids'."),
    ("Emergency medicine", "Multi-system", (5, 6), "Shockable rhythms",
     "Which cardiac arrest rhythms are shockable? Choose all that apply.",
     ["Ventricular fibrillation", "Pulseless ventricular tachycardia", "Asystole",
      "Pulseless electrical activity"], (0, 1),
     "VF and pulseless VT are shockable; asystole and PEA are not."),
    ("Emergency medicine", "Multi-system", (3, 4), "GCS motor score",
     "A patient withdraws from a painful stimulus but does not localise. What is the GCS motor "
     "score?",
     ["4", "5", "3", "2", "6"], (0,),
     "Motor: 6 obeys, 5 localises, 4 withdraws, 3 abnormal flexion, 2 extension, 1 none."),
    # Paediatrics
    ("Paediatrics", "Respiratory", (4, 5), "Croup",
     "A 2-year-old has a barking cough and stridor at rest. What is the first treatment?",
     ["Oral dexamethasone", "Nebulised salbutamol", "IV antibiotics", "Intubation for all",
      "Antihistamine"], (0,),
     "Croup is treated with a single dose of oral dexamethasone; nebulised adrenaline for "
     "severe cases."),
    ("Paediatrics", "Multi-system", (4, 5), "Developmental milestone",
     "At what age do most children walk independently?",
     ["About 12 months", "About 6 months", "About 24 months", "About 3 years"], (0,),
     "Most walk at about 12 months; not walking by 18 months needs assessment."),
    ("Paediatrics", "Gastrointestinal", (4, 5), "Pyloric stenosis",
     "A 5-week-old boy has projectile non-bilious vomiting. Which blood gas picture is "
     "expected?",
     ["Hypochloraemic hypokalaemic metabolic alkalosis", "Metabolic acidosis with high anion gap",
      "Respiratory acidosis", "Hyperkalaemic metabolic acidosis"], (0,),
     "Loss of gastric acid causes hypochloraemic, hypokalaemic metabolic alkalosis."),
    ("Paediatrics", "Multi-system", (4, 5), "Kawasaki disease",
     "Which is the most serious complication of Kawasaki disease?",
     ["Coronary artery aneurysm", "Renal failure", "Hearing loss", "Arthritis",
      "Hepatitis"], (0,),
     "Coronary aneurysms; IV immunoglobulin and aspirin reduce the risk."),
    # Obstetrics & gynaecology
    ("Obstetrics and gynaecology", "Reproductive", (4, 5), "Pre-eclampsia",
     "Which defines pre-eclampsia?",
     ["New hypertension after 20 weeks with proteinuria or organ dysfunction",
      "Hypertension before 20 weeks", "Proteinuria alone in the first trimester",
      "Seizures without hypertension"], (0,),
     "New hypertension after 20 weeks with proteinuria or other maternal organ or "
     "uteroplacental dysfunction."),
    ("Obstetrics and gynaecology", "Reproductive", (4, 5), "Ectopic pregnancy",
     "Which is the most common site of ectopic pregnancy?",
     ["Ampulla of the fallopian tube", "Ovary", "Cervix", "Abdomen", "Interstitial tube"], (0,),
     "Most ectopics implant in the ampulla of the tube."),
    ("Obstetrics and gynaecology", "Reproductive", (5, 6), "Postpartum haemorrhage cause",
     "What is the most common cause of primary postpartum haemorrhage?",
     ["Uterine atony", "Retained placenta", "Genital tract trauma", "Coagulopathy"], (0,),
     "The four Ts: tone (most common), trauma, tissue, thrombin."),
    # Psychiatry
    ("Psychiatry", "Nervous", (4, 5), "Lithium toxicity",
     "Which is a sign of lithium toxicity?",
     ["Coarse tremor and ataxia", "Fine tremor only", "Weight gain", "Hypothyroidism",
      "Polyuria"], (0,),
     "Fine tremor, polyuria, weight gain and hypothyroidism are side effects at therapeutic "
     "levels; coarse tremor, ataxia and confusion suggest toxicity."),
    ("Psychiatry", "Nervous", (4, 5), "Serotonin syndrome",
     "Which features fit serotonin syndrome? Choose all that apply.",
     ["Hyperreflexia", "Clonus", "Hyperthermia", "Lead-pipe rigidity developing over days"],
     (0, 1, 2),
     "Serotonin syndrome comes on quickly with clonus and hyperreflexia; slow-onset lead-pipe "
     "rigidity suggests neuroleptic malignant syndrome."),
    ("Psychiatry", "Nervous", (3, 4), "First-line for moderate depression",
     "Which medicine class is usually first-line for moderate depression in adults?",
     ["SSRI", "Tricyclic antidepressant", "MAOI", "Benzodiazepine", "Antipsychotic"], (0,),
     "SSRIs are first-line because of tolerability and safety in overdose."),
]  # fmt: skip

IN_REVIEW = [
    ("Cardiology", "Cardiovascular", (3, 4), "Pericarditis ECG",
     "A 25-year-old has sharp chest pain relieved by sitting forward. What ECG finding is "
     "typical?",
     ["Saddle-shaped ST elevation with PR depression", "ST depression in V1–V3", "Q waves",
      "Delta waves"], (0,),
     "Widespread saddle-shaped ST elevation and PR depression."),
    ("Neurology", "Nervous", (4, 5), "Bell's palsy",
     "Which feature distinguishes Bell's palsy from a stroke?",
     ["Forehead is affected", "Arm weakness", "Dysphasia", "Forehead spared"], (0,),
     "A lower motor neurone facial palsy involves the forehead."),
    ("Renal medicine", "Renal", (3, 4), "Hyperkalaemia protection",
     "What protects the myocardium in severe hyperkalaemia?",
     ["IV calcium gluconate", "Insulin-dextrose", "Salbutamol", "Calcium resonium"], (0,),
     "Calcium stabilises the membrane; it does not lower potassium."),
    ("Haematology", "Haematological", (3, 4), "Tumour lysis",
     "Which electrolyte falls in tumour lysis syndrome?",
     ["Calcium", "Potassium", "Phosphate", "Urate"], (0,),
     "Phosphate binds calcium, so calcium falls while potassium, phosphate and urate rise."),
]  # fmt: skip

# One of each of the other question types (written for the demo): title → version fields.
TYPED = [
    ("Renal medicine", "Renal", (2, 3), "Potassium and the ECG (true/false)", {
        "qtype": "truefalse",
        "stem": "Peaked T waves are an early ECG sign of hyperkalaemia.",
        "options": [{"text": "True", "correct": True}, {"text": "False", "correct": False}],
        "details": {},
        "explanation": "Tall, tented T waves come first; then the PR lengthens and the QRS widens.",
    }),
    ("Respiratory medicine", "Respiratory", (3, 4), "Breathlessness: match the cause", {
        "qtype": "emq",
        "stem": "For each patient, choose the most likely diagnosis.",
        "options": [{"text": t, "correct": False} for t in (
            "Asthma", "COPD exacerbation", "Pulmonary embolism", "Pneumothorax",
            "Community-acquired pneumonia", "Heart failure")],
        "details": {"stems": [
            {"text": "A 9-year-old wheezes at night and after football.", "key": 0},
            {"text": "A 58-year-old is breathless three days after a long flight; the chest "
                     "is clear.", "key": 2},
            {"text": "A tall 20-year-old has sudden one-sided pleuritic pain.", "key": 3},
        ], "feedback": {"partial": "Some right: check the ones marked wrong below."}},
        "explanation": "Age, triggers and onset point the way: nocturnal wheeze in a child, "
                       "immobility before sudden breathlessness, a tall young man's sudden pain.",
    }),
    ("Neurology", "Nervous", (2, 3), "Cranial nerve for the lateral rectus (short answer)", {
        "qtype": "short",
        "stem": "Which cranial nerve supplies the lateral rectus? (A name or a number.)",
        "options": [],
        "details": {"accepted": [{"text": "abducens", "credit": 1.0},
                                 {"text": "abducent", "credit": 1.0},
                                 {"text": "VI", "credit": 1.0}, {"text": "6", "credit": 1.0},
                                 {"text": "sixth", "credit": 1.0}]},
        "explanation": "LR6 SO4: the abducens (VI) moves the eye outwards.",
    }),
    ("Endocrinology", "Endocrine", (3, 4), "Fasting glucose threshold (numerical)", {
        "qtype": "numerical",
        "stem": "At or above what fasting plasma glucose (mmol/L) is diabetes diagnosed?",
        "options": [],
        "details": {"accepted": [{"value": 7.0, "tolerance": 0.0, "credit": 1.0},
                                 {"value": 7.0, "tolerance": 0.5, "credit": 0.5}],
                    "units": [{"unit": "mmol/L", "multiplier": 1.0},
                              {"unit": "mg/dL", "multiplier": 18.0}]},
        "explanation": "7.0 mmol/L (126 mg/dL) fasting, confirmed on a second test unless there "
                       "are symptoms.",
    }),
]  # fmt: skip
